/**
 * Files swapped under broapt between its check and a later step (issue 13):
 * a symbolic link swapped in between broapt's check and the sandbox's or
 * engine's mount must not show the app what it points to (item 4); a FIFO
 * swapped in by an earlier step must not hang the worker or the SIGTERM
 * drain (item 8). Each race is made deterministic: the swap is done by the
 * app itself, or by a shim first on PATH that swaps the file and then runs
 * the real bwrap or podman, exactly between broapt's check and the mount.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_ENV, useContainerTests } from './helpers/container.ts';
import { which } from '../source/runner/container.ts';
import { broaptName, REPO, startCli, useWorkspace, waitFor, type Workspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const containers = useContainerTests();
const running: Array<ReturnType<typeof startCli>> = [];

afterEach(() => {
  // A hung broapt from a failed check must not outlive its test.
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});

/** The app reports nothing, so broapt hashes the file itself after it, and finds the FIFO the app left. */
const SWAP_TO_FIFO = `
example:
  report: rm -f "$BROAPT_PATH" && mkfifo "$BROAPT_PATH"
`;

describe('a FIFO swapped in for the file by an earlier step', () => {
  it('does not hang the worker: the scan ends with a record', async () => {
    await ws().writeApi(SWAP_TO_FIFO);
    const file = await ws().addFile(broaptName(1, 'text/plain', 'txt'), 'payload');
    const cli = startCli(['scan', file], ws().env);
    running.push(cli);
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ path: file, status: 'done' });
    expect(record!.sha256).toBeUndefined();
  }, 30_000);

  it('does not hang the SIGTERM drain', async () => {
    await ws().writeApi(SWAP_TO_FIFO);
    const file = await ws().addFile(broaptName(2, 'text/plain', 'txt'), 'payload');
    const cli = startCli(['scan', file], ws().env);
    running.push(cli);
    await waitFor(() => fs.lstatSync(file, { throwIfNoEntry: false })?.isFIFO() ?? false, 20_000, 'the FIFO');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.signal, result.stderr).toBeNull();
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  }, 30_000);

  it("does not hang the cluster's result-cache hashing, which refuses it", () => {
    const fifo = path.join(ws().dump, broaptName(3, 'text/plain', 'txt'));
    execFileSync('mkfifo', [fifo]);
    // In a process of its own: a blocking open would hang this one beyond any test timeout.
    const code = `const { sha256Of } = await import(${JSON.stringify(path.join(REPO, 'source', 'redis', 'cache.ts'))});
      await sha256Of(process.argv[1]).then(() => console.log('hashed'), (error) => console.log('refused:', error.message));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code, fifo], { encoding: 'utf8', timeout: 20_000 });
    expect(result.signal, 'the hashing hung on the FIFO').toBeNull();
    expect(result.stdout).toContain('refused:');
  }, 30_000);
});

const SECRET = 'host-secret-5b21';

/** A folder holding `program`, a shim that swaps $SWAP_FILE for a link to $SWAP_SECRET before the real one runs (its `run` only, for an engine). */
function swapShim(dir: string, program: string, onlyFor?: string): string {
  const real = which(program, process.env);
  if (real === undefined) throw new Error(`${program} is not on PATH: install it (scripts/system-deps.sh)`);
  const shims = path.join(dir, 'shims');
  fs.mkdirSync(shims, { recursive: true });
  const swap = 'if [ -f "$SWAP_FILE" ] && [ ! -L "$SWAP_FILE" ]; then mv "$SWAP_FILE" "$SWAP_FILE.orig" && ln -s "$SWAP_SECRET" "$SWAP_FILE"; fi';
  const when = onlyFor === undefined ? swap : `case " $* " in *" ${onlyFor} "*) ${swap};; esac`;
  fs.writeFileSync(path.join(shims, program), `#!/bin/sh\n${when}\nexec ${real} "$@"\n`, { mode: 0o755 });
  return shims;
}

describe.each([
  ['sandbox', 'bwrap', undefined, false],
  ['container', 'podman', 'run', false],
  // A dump folder on a file system of its own: the engine gets a copy read through the descriptor, not a hard link.
  ['container', 'podman', 'run', true],
] as const)('a link swapped in under %s between the check and the mount (dump on a tmpfs: %s)', (runner, program, onlyFor, ownTmpfs) => {
  it.runIf(!ownTmpfs || process.getuid?.() === 0)('shows the app the file broapt checked, never what the link points to', async () => {
    const work = await containers.workspace();
    if (ownTmpfs) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'broapt-test-dump', work.dump]);
    try {
      await swapAndRead(work, runner, program, onlyFor);
    } finally {
      if (ownTmpfs) execFileSync('umount', [work.dump]);
    }
  }, 60_000);
});

/** One scan whose file the shim swaps for a link to a secret between broapt's check and the mount; the app prints what it reads. */
async function swapAndRead(work: Workspace, runner: string, program: string, onlyFor: string | undefined): Promise<void> {
  const secret = path.join(work.dir, 'secret.txt');
  fs.writeFileSync(secret, SECRET, { mode: 0o644 });
  fs.writeFileSync(path.join(work.api, 'api.yml'), `example:\n  image: ${containers.image()}\n  report: cat "$BROAPT_PATH"; echo; echo READ\n`);
  const file = path.join(work.dump, broaptName(1, 'text/plain', 'txt'));
  fs.writeFileSync(file, 'checked-payload', { mode: 0o644 });
  const shims = swapShim(work.dir, program, onlyFor);
  const env = { ...work.env, ...ENGINE_ENV, PATH: `${shims}:${process.env.PATH}`, SWAP_FILE: file, SWAP_SECRET: secret };
  const result = await startCli(['scan', '--runner', runner, file], env).done;
  expect(fs.lstatSync(file).isSymbolicLink(), 'the shim swapped the file').toBe(true);
  const [record] = await work.records();
  expect(record, result.stderr).toBeDefined();
  const log = fs.readFileSync((record!.commands as Array<{ log: string }>)[0]!.log, 'utf8');
  expect(log).toContain('READ');
  expect(log).not.toContain(SECRET);
  expect(log).toContain('checked-payload');
}
