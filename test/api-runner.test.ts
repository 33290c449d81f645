import { describe, expect, it } from 'vitest';
import { parseApiConfig } from '../source/api/load.ts';
import { ConfigError } from '../source/errors.ts';
import { resolveSettings } from '../source/settings.ts';
import { runOptions } from '../source/runner/container.ts';
import { Runners } from '../source/runner/select.ts';

const FILE = '/srv/api/api.yml';
const yml = (...lines: string[]) => `${lines.join('\n')}\n`;
const parse = (text: string) => parseApiConfig(text, FILE, { defaultTimeoutMs: 300_000, env: { TOOLS: '/opt/tools' } });

/** The ConfigError loading `text` throws (a test failure when it loads). */
function failure(text: string): ConfigError {
  const thrown = (() => {
    try {
      return parse(text);
    } catch (error) {
      return error;
    }
  })();
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

describe('api.yml runner keys', () => {
  it('reads runner, image, container options, mounts, warm and limits', () => {
    const config = parse(
      yml(
        'example:',
        '  report: r',
        'application:',
        '  pdf:',
        '    runner: container',
        '    image: localhost/pdf:1',
        '    warm: true',
        '    container: {network: bridge, memory: 256m, cpus: 1.5, pids: 32, user: "1000:1000", read_only: false, mounts: [/data], args: [--init]}',
        '    mounts: [$TOOLS, "rules:/rules", "/var/cache/x:/cache:rw"]',
        '    limits: {memory: 1g, cpu: 2m, processes: 64, file_size: 10m, disk: 2g}',
        '    report: r',
        '  zip:',
        '    runner: sandbox',
        '    build: images/zip',
        '    report: r',
      ),
    );
    const [pdf, zip] = config.apps;
    expect(pdf).toMatchObject({ runner: 'container', image: 'localhost/pdf:1', warm: true, limits: { memory: 2 ** 30, cpu: 120, processes: 64, fileSize: 10 * 2 ** 20, disk: 2 * 2 ** 30 } });
    expect(pdf!.container).toEqual({ network: 'bridge', memory: 256 * 2 ** 20, cpus: 1.5, pids: 32, user: '1000:1000', readOnly: false, mounts: [{ source: '/data', target: '/data', writable: false }], args: ['--init'] });
    expect(pdf!.mounts).toEqual([
      { source: '/opt/tools', target: '/opt/tools', writable: false },
      { source: '/srv/api/rules', target: '/rules', writable: false },
      { source: '/var/cache/x', target: '/cache', writable: true },
    ]);
    expect(zip).toMatchObject({ runner: 'sandbox', build: '/srv/api/images/zip', warm: false, limits: {} });
    expect(config.example.runner).toBeUndefined();
  });

  it('turns the container map into run options after the safe defaults', () => {
    const config = parse(yml('example:', '  report: r', '  container: {network: bridge, args: [--init]}'));
    const args = runOptions(config.example.container, { memory: 64 * 2 ** 20, processes: 16, cpu: 5, fileSize: 1000, disk: 8 * 2 ** 20 });
    expect(args.join(' ')).toBe('--network bridge --cap-drop ALL --security-opt no-new-privileges --tmpfs /tmp:rw,exec,size=8388608 --read-only --memory 67108864 --memory-swap 67108864 --pids-limit 16 --ulimit cpu=5:5 --ulimit fsize=1000:1000 --init');
  });

  const cases: [string, string, string, number, string, string][] = [
    ['unknown runner', yml('example:', '  report: r', '  runner: docker'), 'E_API_BAD_RUNNER', 3, 'example.runner', 'use host, sandbox, container'],
    ['container without image', yml('example:', '  report: r', '  runner: container'), 'E_API_NO_IMAGE', 3, 'example.runner', 'needs `image: NAME` or `build: FOLDER`'],
    ['image and build', yml('example:', '  image: a', '  build: b', '  report: r'), 'E_API_IMAGE_AND_BUILD', 3, 'example.build', 'not both'],
    ['bad size', yml('example:', '  report: r', '  limits:', '    memory: lots'), 'E_API_BAD_LIMIT', 4, 'example.limits.memory', 'expected a size'],
    ['bad disk size', yml('example:', '  report: r', '  limits: {disk: -1g}'), 'E_API_BAD_LIMIT', 3, 'example.limits.disk', 'expected a size'],
    ['bad process count', yml('example:', '  report: r', '  limits: {processes: 2.5}'), 'E_API_BAD_LIMIT', 3, 'example.limits.processes', 'a whole number above 0'],
    ['unknown limit', yml('example:', '  report: r', '  limits:', '    memroy: 1g'), 'E_API_UNKNOWN_KEY', 4, 'example.limits.memroy', 'Did you mean `memory`?'],
    ['unknown container key', yml('example:', '  report: r', '  container:', '    netwrok: none'), 'E_API_UNKNOWN_KEY', 4, 'example.container.netwrok', 'Did you mean `network`?'],
    ['bad mount', yml('example:', '  report: r', '  mounts: ["a:relative"]'), 'E_API_BAD_MOUNT', 3, 'example.mounts[0]', 'TARGET absolute'],
    ['warm not a flag', yml('example:', '  report: r', '  warm: often'), 'E_API_TYPE', 3, 'example.warm', 'expected true or false'],
  ];
  it.each(cases)('%s: %s is refused with file:line, key and code', (_what, text, code, line, keyPath, detail) => {
    const error = failure(text);
    expect(error.code).toBe(code);
    expect(error.message).toContain(`${FILE}:${line}:`);
    expect(error.keyPath).toBe(keyPath);
    expect(error.message).toContain(detail);
  });

  it('takes the default runner from --runner, then BROAPT_RUNNER, and refuses others', () => {
    expect(resolveSettings({}, {}).runner).toBe('host');
    expect(resolveSettings({}, { BROAPT_RUNNER: 'sandbox' }).runner).toBe('sandbox');
    expect(resolveSettings({ runner: 'container' }, { BROAPT_RUNNER: 'sandbox' }).runner).toBe('container');
    expect(() => resolveSettings({}, { BROAPT_RUNNER: 'vm' })).toThrow(/BROAPT_RUNNER="vm" is not valid: give host, sandbox, container/);
  });
});

describe('runner start-up checks', () => {
  it('refuses a sandbox app when bwrap is missing, and a container default for an app without image', async () => {
    const config = parse(yml('example:', '  runner: sandbox', '  report: r', 'text:', '  plain:', '    report: r'));
    await expect(new Runners('host', { PATH: '/nonexistent' }).start(config)).rejects.toMatchObject({ code: 'E_NO_SANDBOX' });
    const plain = parse(yml('example:', '  runner: host', '  report: r', 'text:', '  plain:', '    report: r'));
    await expect(new Runners('container', { PATH: '/nonexistent' }).start(plain)).rejects.toMatchObject({ code: 'E_API_NO_IMAGE', message: expect.stringContaining(`${FILE}:5:`) });
  });
});
