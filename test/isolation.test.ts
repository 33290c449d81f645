/**
 * A hostile app under `sandbox` and `container` (podman, the real engine): it
 * tries to reach a TCP listener this test opens, to write outside its output
 * folder, to read the host's /root and a sibling extracted file, to hog memory,
 * to fork without end and to outlive its timeout. The same attacks under `host`
 * are the control: they succeed there, so the checks can fail.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxImage, containersOf, ENGINE_ENV } from './helpers/container.ts';
import { broaptName, makeWorkspace, startCli, type Workspace } from './helpers/workspace.ts';

let image: string;
let server: net.Server;
let port: number;
/** Connections the listener took, by the runner whose app made them. */
const connections: string[] = [];
let connecting = '';
/** An address of this host other containers and namespaces would route to; loopback when it has none. */
const target = Object.values(os.networkInterfaces()).flat().find((address) => address?.family === 'IPv4' && !address.internal)?.address ?? '127.0.0.1';
const workspaces: Workspace[] = [];
/** Unique, so pgrep finds only the hanging app's processes. */
const HANG = '1234.5';
const SECRET = 'sibling-secret-7f3a';

beforeAll(async () => {
  image = busyboxImage();
  server = net.createServer((socket) => {
    connections.push(connecting);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server.close();
  for (const ws of workspaces) await ws.cleanup();
});

const APPS = {
  net: `busybox nc -w 2 ${'${TARGET}'} ${'${PORT}'} </dev/null && echo CONNECTED || echo BLOCKED`,
  write: 'for f in "$(dirname "$BROAPT_PATH")/pwned" "$PWD/pwned" "$OUTSIDE/pwned" /etc/pwned; do echo x > "$f" 2>/dev/null && echo "WROTE $f"; done; echo ok > "$(dirname "$BROAPT_REPORT")/allowed" && echo OUTPUT-WRITABLE',
  peek: 'echo "ROOT:$(ls -A /root 2>/dev/null | tr "\\n" " ")"; cat "$SIBLING" 2>/dev/null; echo PEEKED',
  memory: 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo "SURVIVED ${#x}"',
  forks: 'last=none; n=0; while [ $n -lt 40 ]; do sleep 3 & p=$!; [ "$p" = "$last" ] && exit 7; last=$p; n=$((n + 1)); done; echo ALL-FORKED',
  hang: `trap "" TERM; (sleep ${HANG} &); sleep ${HANG}`,
};

function apiYml(outside: string, sibling: string): string {
  const apps = Object.entries(APPS).map(
    ([name, command]) => `  x-${name}:
    image: ${image}
    timeout: ${name === 'hang' ? 1 : 20}
    limits: {memory: 64m, processes: 16}
    report: ${JSON.stringify(command)}`,
  );
  return `environment:
  TARGET: ${target}
  PORT: "${port}"
  OUTSIDE: ${outside}
  SIBLING: ${sibling}
example:
  image: ${image}
  report: 'true'
text:
${apps.join('\n')}
`;
}

interface Run {
  ws: Workspace;
  outside: string;
  logs: Record<string, string>;
  status: Record<string, unknown>;
  pid: number;
}

async function scanWith(runner: string, kinds: string[]): Promise<Run> {
  const ws = await makeWorkspace();
  workspaces.push(ws);
  const outside = fs.mkdtempSync(path.join(ws.dir, 'outside-'));
  fs.chmodSync(outside, 0o777);
  const sibling = path.join(ws.dump, broaptName(99, 'text/plain', 'txt'));
  fs.writeFileSync(sibling, SECRET);
  fs.writeFileSync(path.join(ws.api, 'api.yml'), apiYml(outside, sibling));
  for (const name of Object.keys(APPS)) fs.mkdirSync(path.join(ws.api, 'text', `x-${name}`), { recursive: true });
  const files = kinds.map((kind, i) => path.join(ws.dump, broaptName(i + 1, `text/x-${kind}`, 'txt')));
  for (const file of files) fs.writeFileSync(file, 'payload');
  connecting = runner;
  const cli = startCli(['scan', '--runner', runner, '--jobs', '2', '--max-retry', '1', ...files], { ...ws.env, ...ENGINE_ENV });
  await cli.done;
  const logs: Record<string, string> = {};
  const status: Record<string, unknown> = {};
  for (const record of await ws.records()) {
    const kind = kinds.find((k, i) => record.path === files[i]);
    if (!kind) continue;
    status[kind] = record.status;
    logs[kind] = fs.readFileSync((record.commands as Array<{ log: string }>)[0]!.log, 'utf8');
  }
  return { ws, outside, logs, status, pid: cli.child.pid! };
}

/** The command's own output: the log without broapt's `#` lines. */
const output = (log: string | undefined) => (log ?? '').split('\n').filter((line) => !line.startsWith('# ')).join('\n');

function pwned(run: Run): string[] {
  const candidates = [path.join(run.ws.dump, 'pwned'), path.join(run.ws.api, 'text', 'x-write', 'pwned'), path.join(run.outside, 'pwned'), '/etc/pwned'];
  return candidates.filter((file) => fs.existsSync(file));
}

describe('host runner (the control: the attacks work there)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await scanWith('host', ['net', 'write', 'peek']);
  }, 60_000);

  it('connects, writes outside, and reads /root and the sibling file', () => {
    expect(output(run.logs.net)).toContain('CONNECTED');
    expect(connections).toContain('host');
    const written = pwned(run);
    expect(written).toHaveLength(4);
    for (const file of written) fs.rmSync(file);
    expect(output(run.logs.peek)).toContain(SECRET);
  });
});

describe.each(['sandbox', 'container'])('hostile app under %s', (runner) => {
  let run: Run;
  beforeAll(async () => {
    run = await scanWith(runner, Object.keys(APPS));
  }, 90_000);

  it('cannot open a network connection', () => {
    expect(output(run.logs.net)).toContain('BLOCKED');
    expect(connections).not.toContain(runner);
  });

  it('cannot write outside its output folder, which it can write', () => {
    // A write may land in the runner's private /tmp (where the file's folder is a mount point): what counts is the host.
    expect(output(run.logs.write)).toContain('OUTPUT-WRITABLE');
    expect(pwned(run)).toEqual([]);
  });

  it("cannot see the host's /root or another extracted file", () => {
    const out = output(run.logs.peek);
    expect(out).toContain('PEEKED');
    expect(out).not.toContain(SECRET);
    const hostRoot = fs.readdirSync('/root');
    const seen = /ROOT:(.*)/.exec(out)?.[1]?.trim().split(' ').filter(Boolean) ?? [];
    for (const name of seen) expect(hostRoot.length === 0 || !hostRoot.includes(name) || name === '.').toBe(true);
  });

  it('is stopped when it exceeds its memory limit', () => {
    expect(run.status.memory).toBe('failed');
    expect(output(run.logs.memory)).not.toContain('SURVIVED 200000000');
  });

  it('cannot fork past its process limit', () => {
    expect(run.status.forks).toBe('failed');
    expect(output(run.logs.forks)).not.toContain('ALL-FORKED');
  });

  it('is killed at its timeout with everything it started', () => {
    expect(run.status.hang).toBe('failed');
    expect(run.logs.hang).toContain('# exit: timeout after 1s');
    let left = '';
    try {
      left = execFileSync('pgrep', ['-f', `sleep ${HANG}`], { encoding: 'utf8' });
    } catch {
      // pgrep exits 1 when nothing matches.
    }
    expect(left).toBe('');
    if (runner === 'container') expect(containersOf(run.pid)).toEqual([]);
  });
});
