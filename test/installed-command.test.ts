import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, useWorkspace, waitFor, type CliResult } from './helpers/workspace.ts';

/** A Node without type stripping (Debian's Node 20 here): the one `broapt` meets on a plain host. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const probe = spawnSync(candidate, ['-p', 'process.features.typescript ? "" : process.version'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim() !== '') return candidate;
  }
  return undefined;
}

const OLDER_NODE = olderNode();
const ws = useWorkspace();

/** `broapt` on PATH as `npm link` installs it: a symlink to bin/broapt.js, run by the host's older Node. */
async function installedBroapt(dir: string): Promise<Record<string, string>> {
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin, { recursive: true });
  await fs.symlink(OLDER_NODE!, path.join(bin, 'node'));
  await fs.symlink(BIN, path.join(bin, 'broapt'));
  return { PATH: `${bin}:/usr/bin:/bin` };
}

/** The workspace's variables with the installed command first on PATH; fails under CI without an older Node. */
async function installedEnv(context: { skip: () => void }): Promise<Record<string, string>> {
  if (!OLDER_NODE) {
    if (process.env.CI === 'true') throw new Error("no Node without type stripping at /usr/bin/node: install Debian's nodejs");
    context.skip();
  }
  return { ...ws().env, ...(await installedBroapt(ws().dir)) };
}

function startInstalled(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn('broapt', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const API = `example:
  workdir: .
  report: echo clean
`;

describe('the installed broapt command', () => {
  it('runs from any folder under an older host Node, on the Node 24 installed with it', async (context) => {
    const env = await installedEnv(context);
    await ws().writeApi(API);
    await ws().addFile('text/plain/a.txt', 'hello');
    const { done } = startInstalled(['scan'], env, ws().dir);
    const result = await done;
    expect(result.stderr).not.toContain('needs Node.js');
    expect(result.code).toBe(0);
    expect(await ws().records()).toHaveLength(1);
  });

  it('hands a stop signal to the run it started, which drains and exits 0', async (context) => {
    const env = await installedEnv(context);
    await ws().writeApi(API);
    const { child, done } = startInstalled(['watch'], env, ws().dir);
    await ws().addFile('text/plain/a.txt', 'hello');
    await waitFor(async () => (await ws().records()).length === 1, 30_000, 'the first record');
    const runs = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    expect(runs).toHaveLength(1);
    child.kill('SIGUSR1');
    const result = await done;
    expect(result.code).toBe(0);
    // The Node 24 run stopped with its launcher: nothing is left orphaned.
    expect(spawnSync('kill', ['-0', runs[0]!]).status).not.toBe(0);
  });
});
