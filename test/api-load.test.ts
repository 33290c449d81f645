import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../source/api/load.ts';
import { matchApp } from '../source/api/match.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { ConfigError } from '../source/errors.ts';
import { app, EXAMPLE, OPTIONS, parse, ROOT, yml } from './helpers/api-yml.ts';

const REFERENCE = `## Configuration for API arguments of BroAPT-APP

###############################################################################
## Environment (global setup)
##
## Environment variables \`\${...}\` used in API arguments will be translated
## according to the following values.
##
environment:
  # API root path
  API_ROOT: \${BROAPT_API_ROOT}
  # Python 3.6
  PYTHON: /usr/bin/python3.6
  PYTHON36: /usr/bin/python3.6
  PYTHON3: /usr/bin/python3.6
  # Python 2.7
  PYTHON27: /usr/bin/python
  PYTHON2: /usr/bin/python
  # Shell/Bash
  SHELL: /bin/bash

###############################################################################
## Example:
##
## - Root: \`/api/\`
## - Target:
##   - MIME type: \`application/pdf\`
##   - file name: \`/dump/application/pdf/test.pdf\`
## - API:
##   - working directory: \`./pdf_analysis\`
##   - environment: \`ENV_FOO=1\`, \`ENV_BAR=this is an environment variable\`
##
## The configuration section should then be:
##
## application:
##   ...  # other APIs
##   pdf:
##     remote: false
##     workdir: pdf_analysis
##     environ:
##       ENV_FOO: 1
##       ENV_BAR: this is an environment variable
##     install:
##       - apt-get update
##       - apt-get install -y python python-pip
##       - python -m pip install -r requirements.txt
##       - rm -rf /var/lib/apt/lists/*
##       - apt-get remove -y --auto-remove python-pip
##       - apt-get clean
##     scripts:
##       - \${PYTHON27} detect.py [...]                # refer to /usr/bin/python
##       - ...                                        # and some random command
##     report: \${PYTHON27} report.py                  # generate final report
##
## BroAPT will work as following:
##
## 1. if run for the first time, run the following commands:
##    - \`apt-get update\`
##    - \`apt-get install -y python python-pip\`
##    - \`python -m pip install -r requirements.txt\`
##    - \`rm -rf /var/lib/apt/lists/*\`
##    - \`apt-get remove -y --auto-remove python-pip\`
##    - \`apt-get clean\`
## 2. set the following environment variables
##    # per target file
##    - BROAPT_FILE="/dump/application/pdf/test.pdf"
##    - BROAPT_MIME="application/pdf"
##    # per API configuration
##    - ENV_FOO=1
##    - ENV_BAR="this is an environment variable"
## 3. change the current working directory to
##    \`/api/application/pdf/pdf_analysis\`
## 4. run the following mid-stage commands:
##    - \`/usr/bin/python detect.py [...]\`
##    - \`...\`
## 5. generate final report:
##    \`/usr/bin/python report.py\`
##
## NOTE: \`report\` section is MANDATORY.
##       If \`remote\` is \`true\`, then BroAPT will run the
##       corresponding API in the host machine.
##

# APIs for \`application\` media type
application:
  vnd.android.package-archive:
    ## AndroPyTool
    remote: true
    workdir: AndroPyTool
    environ:
      ANDROID_HOME: $HOME/android-sdk-linux
      PATH: $PATH:$ANDROID_HOME/tools
      PATH: $PATH:$ANDROID_HOME/platform-tools
    install:
      # - \${SHELL} install.sh
      - docker pull alexmyg/andropytool
    scripts:
      # - \${PYTHON36} detect.py
      - docker run --volume=</PATH/TO/FOLDER/WITH/APKS/>:/apks alexmyg/andropytool -s /apks/ <ARGUMENTS>
    report: \${SHELL} wrapper.sh
  vnd.openxmlformats-officedocument: &officedocument
    ## MaliciousMacroBot
    workdir: \${API_ROOT}/application/vnd.openxmlformats-officedocument/
    install:
      - \${PYTHON36} -m pip install mmbot
    report: \${PYTHON36} MaliciousMacroBot/detect.py
  msword: *officedocument
  vnd.ms-excel: *officedocument
  vnd.openxmlformats-officedocument: *officedocument
  vnd.openxmlformats-officedocument.custom-properties+xml: *officedocument
  vnd.openxmlformats-officedocument.customxmlproperties+xml: *officedocument
  vnd.openxmlformats-officedocument.drawing+xml: *officedocument

# APIs for \`audio\` media type
audio:

# Default API for missing MIME types
example:
  workdir: .
  environ:
    ## sleep interval
    VT_INTERVAL: 10
    ## max retry for report
    VT_RETRY: 6
    ## percentage of positive threshold
    VT_PERCENT: 50
    ## VT API key
    #VT_API: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
    ## path to VT file scan reports
    VT_LOG: /var/log/bro/tmp/
  install:
    - \${PYTHON36} -m pip install requests
  report: \${PYTHON36} virustotal.py

# APIs for \`font\` media type
font:

# APIs for \`image\` media type
image:

# APIs for \`message\` media type
message:

# APIs for \`model\` media type
model:

# APIs for \`multipart\` media type
multipart:

# APIs for \`text\` media type
text:

# APIs for \`video\` media type
video:
`;

describe("the reference BroAPT's own api.yml", () => {
  const config = parse(REFERENCE);

  it('loads, listing the subtype given twice (as one anchored app) once', () => {
    expect(config.apps.map((each) => each.pattern)).toEqual([
      'vnd.android.package-archive',
      'vnd.openxmlformats-officedocument',
      'msword',
      'vnd.ms-excel',
      'vnd.openxmlformats-officedocument.custom-properties+xml',
      'vnd.openxmlformats-officedocument.customxmlproperties+xml',
      'vnd.openxmlformats-officedocument.drawing+xml',
    ]);
  });

  it('keeps the last of the duplicate PATH keys, expanded', () => {
    const android = app(config, 'application/vnd.android.package-archive');
    expect(android.environ).toMatchObject({ ANDROID_HOME: '/home/zeek/android-sdk-linux', PATH: '/usr/bin:/home/zeek/android-sdk-linux/platform-tools' });
    expect(android).toMatchObject({ remote: true, scripts: [expect.stringContaining('docker run')], report: '${SHELL} wrapper.sh' });
    expect(matchApp(config, mimeOf('application/vnd.android.package-archive')).workdir).toBe('/srv/api/application/vnd.android.package-archive/AndroPyTool');
  });

  it('resolves ${API_ROOT} from BROAPT_API_ROOT to the loaded folder', () => {
    expect(config.environment.API_ROOT).toBe(ROOT);
    expect(matchApp(config, mimeOf('application/msword'))).toMatchObject({
      reason: 'exact',
      workdir: '/srv/api/application/vnd.openxmlformats-officedocument',
      app: { report: '${PYTHON36} MaliciousMacroBot/detect.py' },
    });
  });

  it('reads the default app', () => {
    expect(config.example.environ).toMatchObject({ VT_INTERVAL: '10', VT_RETRY: '6', VT_LOG: '/var/log/bro/tmp/', PYTHON36: '/usr/bin/python3.6' });
    expect(matchApp(config, mimeOf('image/png'))).toMatchObject({ reason: 'default', workdir: '/srv/api/example' });
  });
});

describe('loadApiConfig', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'broapt-api-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads <root>/api.yml, or a .yml/.yaml file named directly with its folder as root', async () => {
    await writeFile(path.join(dir, 'api.yml'), yml(...EXAMPLE));
    await mkdir(path.join(dir, 'other'));
    await writeFile(path.join(dir, 'other', 'custom.yaml'), yml('example:', '  report: custom'));
    expect(await loadApiConfig(dir, OPTIONS)).toMatchObject({ file: path.join(dir, 'api.yml'), root: dir, example: { report: 'r' } });
    const named = await loadApiConfig(path.join(dir, 'other', 'custom.yaml'), OPTIONS);
    expect(named).toMatchObject({ file: path.join(dir, 'other', 'custom.yaml'), root: path.join(dir, 'other'), example: { report: 'custom' } });
  });

  it('reports a missing or unreadable file as a ConfigError', async () => {
    const missing = path.join(dir, 'nowhere');
    await expect(loadApiConfig(missing, OPTIONS)).rejects.toMatchObject({
      code: 'E_API_MISSING_FILE',
      position: { file: path.join(missing, 'api.yml'), line: 1, column: 1 },
    });
    await mkdir(path.join(dir, 'folder.yml'));
    await expect(loadApiConfig(path.join(dir, 'folder.yml'), OPTIONS)).rejects.toMatchObject({ code: 'E_API_UNREADABLE' });
    await expect(loadApiConfig(missing, OPTIONS)).rejects.toBeInstanceOf(ConfigError);
  });
});
