import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiConfig } from '../source/api/app.ts';
import { expandVars } from '../source/api/expand.ts';
import { loadApiConfig, parseApiConfig, type LoadOptions } from '../source/api/load.ts';
import { matchApp } from '../source/api/match.ts';
import { resolveWorkdir } from '../source/api/workdir.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { ConfigError } from '../source/errors.ts';

const ROOT = '/srv/api';
const FILE = `${ROOT}/api.yml`;
const OPTIONS: LoadOptions = { defaultTimeoutMs: 300_000, env: { HOME: '/home/zeek', PATH: '/usr/bin' } };

/** api.yml text from lines, so that line numbers in expectations are easy to count. */
const yml = (...lines: string[]) => `${lines.join('\n')}\n`;
const EXAMPLE = ['example:', '  report: r'];
const parse = (text: string) => parseApiConfig(text, FILE, OPTIONS);

function failure(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('api.yml was accepted');
}

function app(config: ApiConfig, key: string) {
  const found = key === 'example' ? config.example : config.apps.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no app ${key} among ${config.apps.map((candidate) => candidate.key).join(', ')}`);
  return found;
}

describe('invalid api.yml', () => {
  const cases: [string, string, string, number, number, string, string][] = [
    ['YAML syntax', yml('example:', '  report: r', ' workdir: x'), 'E_API_YAML_SYNTAX', 3, 1, 'example.report', 'YAML syntax error'],
    ['not a map', yml('- report: r'), 'E_API_NOT_A_MAP', 1, 1, '', 'got a list'],
    ['empty file', '', 'E_API_NOT_A_MAP', 1, 1, '', 'got an empty file'],
    ['no example', yml('application:', '  pdf:', '    report: r'), 'E_API_NO_EXAMPLE', 1, 1, 'example', 'mandatory'],
    ['null example', yml('audio:', 'example:'), 'E_API_NO_EXAMPLE', 2, 1, 'example', 'mandatory'],
    ['no report', yml(...EXAMPLE, 'application:', '  pdf:', '    workdir: pdf'), 'E_API_NO_REPORT', 4, 3, 'application.pdf.report', 'no `report`'],
    ['report as a list', yml('example:', '  report: [a, b]'), 'E_API_TYPE', 2, 11, 'example.report', 'got a list'],
    ['remote as a string', yml(...EXAMPLE, '  remote: "yes"'), 'E_API_TYPE', 3, 11, 'example.remote', 'expected true or false, got a string ("yes")'],
    ['install as a map', yml(...EXAMPLE, '  install:', '    apt-get: install foo'), 'E_API_TYPE', 4, 5, 'example.install', 'expected a command or a list of commands, got a map'],
    ['section not a map', yml(...EXAMPLE, 'audio: 5'), 'E_API_TYPE', 3, 8, 'audio', 'expected a map of subtypes'],
    ['app key in a section', yml(...EXAMPLE, 'application:', '  report: r'), 'E_API_TYPE', 4, 11, 'application.report', 'application.pdf.report'],
    ['environ value a map', yml(...EXAMPLE, '  environ:', '    A: {b: c}'), 'E_API_TYPE', 4, 8, 'example.environ.A', 'got a map'],
    ['typo in an app key', yml(...EXAMPLE, '  scirpts: [a]'), 'E_API_UNKNOWN_KEY', 3, 3, 'example.scirpts', 'Did you mean `scripts`?'],
    ['typo in a media type', yml(...EXAMPLE, 'aplication:', '  pdf: {report: r}'), 'E_API_UNKNOWN_MEDIA', 3, 1, 'aplication', 'Did you mean `application`?'],
    ['unclosed bracket', yml(...EXAMPLE, 'application:', '  vnd.[ms-*:', '    report: r'), 'E_API_BAD_GLOB', 4, 3, 'application.vnd.[ms-*', 'never closed'],
    ['reversed range', yml(...EXAMPLE, 'image:', "  '[z-a]*': {report: r}"), 'E_API_BAD_GLOB', 4, 3, 'image.[z-a]*', 'not a valid glob'],
    ['slash in a subtype', yml(...EXAMPLE, 'application:', '  "vnd/ms": {report: r}'), 'E_API_BAD_SUBTYPE', 4, 3, 'application.vnd/ms', 'not a MIME subtype'],
    ['app key twice', yml('example:', '  report: a', '  report: b'), 'E_API_DUPLICATE_KEY', 3, 3, 'example.report', 'first at line 2'],
    ['subtype twice, case apart', yml(...EXAMPLE, 'application:', '  pdf: {report: a}', '  PDF: {report: b}'), 'E_API_DUPLICATE_KEY', 5, 3, 'application.PDF', 'first at line 4'],
    ['scanner and scripts', yml(...EXAMPLE, '  scanner: [a]', '  scripts: [b]'), 'E_API_SCANNER_AND_SCRIPTS', 4, 3, 'example.scripts', 'keep one'],
    ['zero timeout', yml(...EXAMPLE, '  timeout: 0'), 'E_API_BAD_TIMEOUT', 3, 12, 'example.timeout', 'expected seconds above 0'],
    ['timeout in words', yml(...EXAMPLE, '  timeout: 5 minutes'), 'E_API_BAD_TIMEOUT', 3, 12, 'example.timeout', 'got a string ("5 minutes")'],
    ['timeout past setTimeout', yml(...EXAMPLE, '  timeout: 30d'), 'E_API_BAD_TIMEOUT', 3, 12, 'example.timeout', 'like "90s"'],
    ['empty list item', yml(...EXAMPLE, '  install:', '    - apt-get update', '    -', '    - apt-get clean'), 'E_API_EMPTY_COMMAND', 5, 6, 'example.install[1]', 'empty command'],
    ['blank report', yml('example:', '  report: "  "'), 'E_API_EMPTY_COMMAND', 2, 11, 'example.report', 'empty command'],
    ['undefined alias', yml(...EXAMPLE, 'application:', '  pdf: *pdf_app'), 'E_API_UNDEFINED_ALIAS', 4, 8, 'application.pdf', '`&pdf_app`'],
    ['merge of a string', yml(...EXAMPLE, '  <<: just text'), 'E_API_BAD_MERGE', 3, 7, 'example.<<', 'takes a map'],
    ['map merging itself', yml(...EXAMPLE, 'application:', '  pdf: &self', '    <<: *self', '    report: r'), 'E_API_BAD_MERGE', 5, 9, 'application.pdf.<<', 'merges itself'],
    ['= in a variable name', yml('environment:', '  "A=B": 1', ...EXAMPLE), 'E_API_BAD_ENV_NAME', 2, 3, 'environment.A=B', 'holds `=`'],
  ];

  it.each(cases)('%s → %s', (_name, text, code, line, column, keyPath, detail) => {
    const error = failure(text);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(2);
    expect(error.position).toEqual({ file: FILE, line, column });
    expect(error.keyPath).toBe(keyPath);
    expect(error.message.startsWith(`${FILE}:${line}:${column}: ${keyPath ? `${keyPath}: ` : ''}`)).toBe(true);
    expect(error.message).toContain(detail);
  });

  it('gives every kind of problem its own code', () => {
    expect(new Set(cases.map(([, , code]) => code)).size).toBeGreaterThanOrEqual(16);
  });
});

describe('valid api.yml', () => {
  const config = parse(
    yml(
      'environment:',
      '  PYTHON3: /usr/bin/python3',
      '  TOOLS: ${HOME}/tools',
      '  LATER: $PYTHON3',
      'example:',
      '  environ:',
      '    VT_RETRY: 010',
      '    VT_FLAG: yes',
      '  report: ${PYTHON3} vt.py',
      'application:',
      '  pdf: &pdf',
      '    workdir: pdf-tools',
      '    environ: {A: 1, B: $A-$PYTHON3, C: $D, D: 2}',
      '    install: pip install peepdf',
      '    scanner:',
      '      - ${PYTHON3} detect.py',
      '    report: ${PYTHON3} report.py',
      '    timeout: 90s',
      '  x-pdf: *pdf',
      '  vnd.ms-*: &office',
      '    workdir: ${TOOLS}/office',
      '    report: office-report',
      '    shared: office',
      '    remote: yes',
      '  vnd.openxmlformats-officedocument.*: *office',
      '  zip:',
      '    <<: *pdf',
      '    report: zip-report',
      '    scripts: [unzip -l]',
      'audio:',
      'text:',
      '  plain:',
    ),
  );

  it('keeps apps in file order, skipping null sections and subtypes', () => {
    expect(config.file).toBe(FILE);
    expect(config.root).toBe(ROOT);
    expect(config.apps.map((each) => [each.key, each.isGlob])).toEqual([
      ['application/pdf', false],
      ['application/x-pdf', false],
      ['application/vnd.ms-*', true],
      ['application/vnd.openxmlformats-officedocument.*', true],
      ['application/zip', false],
    ]);
    expect(app(config, 'application/pdf').position).toEqual({ file: FILE, line: 11, column: 3 });
  });

  it('expands environment against the process env only, and takes values as written', () => {
    expect(config.environment).toEqual({ PYTHON3: '/usr/bin/python3', TOOLS: '/home/zeek/tools', LATER: '$PYTHON3' });
    expect(app(config, 'example').environ).toEqual({ ...config.environment, VT_RETRY: '010', VT_FLAG: 'yes' });
  });

  it('expands environ in order over process env, environment and earlier keys, leaving unknowns', () => {
    expect(app(config, 'application/pdf').environ).toMatchObject({ A: '1', B: '1-/usr/bin/python3', C: '$D', D: '2' });
  });

  it('fills every field, leaves commands unexpanded, accepts scanner and a lone string', () => {
    expect(app(config, 'application/pdf')).toMatchObject({
      mediaType: 'application',
      pattern: 'pdf',
      workdir: 'pdf-tools',
      install: ['pip install peepdf'],
      scripts: ['${PYTHON3} detect.py'],
      report: '${PYTHON3} report.py',
      remote: false,
      shared: 'application/pdf',
      timeoutMs: 90_000,
    });
    expect(app(config, 'example')).toMatchObject({ key: 'example', pattern: '', workdir: '.', install: [], scripts: [], timeoutMs: 300_000 });
  });

  it('resolves aliases to copies under their own key', () => {
    const alias = app(config, 'application/x-pdf');
    expect(alias).toMatchObject({ report: '${PYTHON3} report.py', shared: 'application/x-pdf', position: { line: 19, column: 3 } });
    const office = app(config, 'application/vnd.openxmlformats-officedocument.*');
    expect(office).toMatchObject({ shared: 'office', remote: true, workdir: '/home/zeek/tools/office', report: 'office-report' });
  });

  it('merges `<<` with own keys winning, `scripts` overriding a merged `scanner`', () => {
    expect(app(config, 'application/zip')).toMatchObject({
      workdir: 'pdf-tools',
      install: ['pip install peepdf'],
      scripts: ['unzip -l'],
      report: 'zip-report',
      timeoutMs: 90_000,
    });
  });

  it('merges a list of maps, earlier ones first', () => {
    const merged = parse(yml('example:', '  <<: [{report: first, workdir: a}, {report: second, remote: true}]'));
    expect(merged.example).toMatchObject({ report: 'first', workdir: 'a', remote: true });
  });

  it('accepts an environ given twice, last value winning', () => {
    const twice = parse(yml('example:', '  report: r', '  environ:', '    P: one', '    Q: $P', '    P: two'));
    // PyYAML's dict keeps the first place with the last value, so Q comes after P = two.
    expect(twice.example.environ).toEqual({ P: 'two', Q: 'two' });
  });

  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['"30"', 30_000],
    ['2.5', 2_500],
  ])('reads timeout %s as %d ms', (written, ms) => {
    expect(parse(yml(...EXAMPLE, `  timeout: ${written}`)).example.timeoutMs).toBe(ms);
  });
});

describe('matching', () => {
  const office = (...globs: string[]) =>
    parse(yml(...EXAMPLE, 'application:', ...globs, '  vnd.ms-excel: {report: exact}', 'text:', '  "*": {report: any-text}'));
  const report = (config: ApiConfig, mime: string) => matchApp(config, mimeOf(mime)).app.report;

  it('takes the first matching glob in file order', () => {
    const msFirst = office('  vnd.ms-*: {report: ms}', '  vnd.*: {report: vnd}');
    expect(matchApp(msFirst, mimeOf('application/vnd.ms-word'))).toMatchObject({ reason: 'glob', app: { report: 'ms' } });
    expect(report(msFirst, 'application/vnd.oasis.opendocument.text')).toBe('vnd');
    const vndFirst = office('  vnd.*: {report: vnd}', '  vnd.ms-*: {report: ms}');
    expect(report(vndFirst, 'application/vnd.ms-word')).toBe('vnd');
  });

  it('prefers an exact key to an earlier glob', () => {
    const config = office('  vnd.ms-*: {report: ms}');
    expect(matchApp(config, mimeOf('application/vnd.ms-excel'))).toMatchObject({ reason: 'exact', app: { report: 'exact' } });
  });

  it('falls back to example, and never takes a glob from another media section', () => {
    const config = office('  vnd.ms-*: {report: ms}');
    expect(matchApp(config, mimeOf('application/pdf'))).toMatchObject({ reason: 'default', app: { key: 'example' } });
    expect(report(config, 'image/vnd.ms-photo')).toBe('r');
    expect(report(config, 'text/plain')).toBe('any-text');
  });

  it('ignores case in keys, sections and MIME types', () => {
    const config = parse(yml(...EXAMPLE, 'Application:', '  VND.MS-*: {report: ms}', '  PDF: {report: pdf}'));
    expect(config.apps.map((each) => each.key)).toEqual(['application/VND.MS-*', 'application/PDF']);
    expect(report(config, 'application/vnd.ms-excel')).toBe('ms');
    expect(matchApp(config, { mediaType: 'APPLICATION', subtype: 'Pdf', name: 'application/pdf' }).reason).toBe('exact');
    expect(report(config, 'Application/Vnd.MS-Word')).toBe('ms');
  });

  it('uses shell globs: * spans dots, ?, [...], and { ! are literal', () => {
    const config = parse(
      yml(...EXAMPLE, 'application:', '  x-?z: {report: one}', '  x-[ab]*: {report: class}', "  'x-{c..e}*': {report: brace}", "  '!neg*': {report: bang}", '  vnd.*: {report: dots}'),
    );
    expect(report(config, 'application/x-yz')).toBe('one');
    expect(report(config, 'application/x-yyz')).toBe('r');
    expect(report(config, 'application/x-b.c')).toBe('class');
    expect(report(config, 'application/x-{c..e}z')).toBe('brace');
    expect(report(config, 'application/x-dzz')).toBe('r');
    expect(report(config, 'application/!negate')).toBe('bang');
    expect(report(config, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('dots');
  });

  it('compiles each glob once per config, not once per file', () => {
    const config = office('  vnd.ms-*: {report: ms}', '  vnd.*: {report: vnd}');
    const makeRe = vi.spyOn(picomatch, 'makeRe');
    try {
      for (let i = 0; i < 50; i++) matchApp(config, mimeOf(`application/vnd.type-${i}`));
      expect(makeRe).toHaveBeenCalledTimes(3);
    } finally {
      makeRe.mockRestore();
    }
  });
});

describe('working directory', () => {
  const config = parse(
    yml(
      'environment:',
      '  TOOLS: /opt/tools',
      'example:',
      '  report: r',
      'application:',
      '  pdf: {report: r, workdir: pdf-tools}',
      '  PNG: {report: r}',
      '  vnd.ms-*: {report: r}',
      '  x-*: {report: r, workdir: ../shared}',
      '  zip: {report: r, workdir: /usr/lib/zip}',
      '  x: {report: r, workdir: $TOOLS/x}',
      '  y: {report: r, workdir: "${HOME}/y"}',
      '  z: {report: r, workdir: $MINE/z, environ: {MINE: $TOOLS/mine}}',
      '  root: {report: r, workdir: "${BROAPT_API_ROOT}/common"}',
    ),
  );

  it.each([
    ['application/pdf', '/srv/api/application/pdf/pdf-tools', 'exact key: below <root>/<media>/<subtype>/'],
    ['application/png', '/srv/api/application/png', 'exact key: the folder is lower-case'],
    ['application/vnd.ms-excel', '/srv/api/application/vnd.ms-*', 'glob: below the pattern as written'],
    ['application/vnd.ms-word', '/srv/api/application/vnd.ms-*', 'glob: one folder for all its MIME types'],
    ['application/x-tar', '/srv/api/application/shared', 'glob: resolved as text, no folder named *'],
    ['application/zip', '/usr/lib/zip', 'absolute: as is'],
    ['audio/mpeg', '/srv/api/example', 'default: <root>/example/'],
    ['application/x', '/opt/tools/x', '$VAR from environment'],
    ['application/y', '/home/zeek/y', '${VAR} from the process env'],
    ['application/z', '/opt/tools/mine/z', '$VAR from the app environ'],
    ['application/root', '/srv/api/common', 'BROAPT_API_ROOT is the loaded folder'],
  ])('%s runs in %s (%s)', (mime, expected) => {
    expect(matchApp(config, mimeOf(mime)).workdir).toBe(expected);
  });

  it('agrees with resolveWorkdir', () => {
    const mime = mimeOf('application/pdf');
    expect(resolveWorkdir(config, app(config, 'application/pdf'))).toBe(matchApp(config, mime).workdir);
  });
});

describe('expandVars', () => {
  const env = { A: 'a', B: '$A', EMPTY: '' };
  it.each([
    ['$A/${A}', 'a/a'],
    ['$A_x ${A}_x', '$A_x a_x'],
    ['$UNKNOWN ${UNKNOWN} ${} $ $$', '$UNKNOWN ${UNKNOWN} ${} $ $$'],
    ['[$EMPTY]', '[]'],
    ['$B', '$A'],
    ['${A', '${A'],
    ['$constructor ${toString}', '$constructor ${toString}'],
  ])('%s → %s', (value, expected) => {
    expect(expandVars(value, env)).toBe(expected);
  });
});

/** cluster/app/include/api/api.yml of JarryShaw/broapt, as written there. */
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
