import { describe, expect, it } from 'vitest';
import { spawnTool, type SpawnOptions } from './spawn.ts';
import { tool } from './tools.ts';

const options: SpawnOptions = { timeoutMs: 10_000, maxBytes: 64 << 20 };

/** posix_spawn's result; this machine has glibc and koffi, so it must be there. */
function spawned(command: string, args: string[], more: Partial<SpawnOptions> = {}) {
  const result = spawnTool(command, args, { ...options, ...more });
  if (result === undefined) throw new Error('posix_spawn is not available: koffi or glibc is missing');
  return result;
}

describe('spawnTool (posix_spawn)', () => {
  it('gives the exit code, stdout and stderr apart', async () => {
    expect(await spawned('sh', ['-c', 'echo out; echo err >&2; exit 3'])).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes arguments as they are, never through a shell', async () => {
    const name = 'a file; rm -rf "$HOME" `x` $(y).txt';
    expect((await spawned('printf', ['%s', name])).stdout).toBe(name);
  });

  it('feeds input on stdin and reads output past a pipe buffer both ways', async () => {
    const input = Buffer.alloc(3 << 20, 'abcdefgh');
    const result = await spawned('cat', [], { input });
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(input.length);
    expect(result.stdout === input.toString()).toBe(true);
  });

  it('gives stdin as /dev/null when there is no input', async () => {
    expect(await spawned('cat', [])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reports a missing program as code null with the reason', async () => {
    const result = await spawned('broapt-no-such-tool', ['x']);
    expect(result.code).toBeNull();
    expect(result.stderr).toContain('ENOENT');
  });

  it('kills a program past its time', async () => {
    const result = await spawned('sleep', ['30'], { timeoutMs: 300 });
    expect(result.code).toBeNull();
    expect(result.stderr).toContain('took longer than 0.3 s');
  });

  it('gives up on the pipes at the deadline even when a process it started holds them', async () => {
    const result = await spawned('sh', ['-c', 'sleep 60 & echo $!; sleep 60'], { timeoutMs: 300 });
    expect(result.code).toBeNull();
    expect(result.stderr).toContain('took longer than 0.3 s');
    // The answer came while the process holding the pipes still ran.
    const holder = Number(result.stdout.trim());
    expect(() => process.kill(holder, 0)).not.toThrow();
    process.kill(holder, 'SIGKILL');
  });

  it('kills a program past its output budget', async () => {
    const result = await spawned('yes', [], { maxBytes: 1 << 20 });
    expect(result.code).toBeNull();
    expect(result.stderr).toContain('wrote more than 1048576 bytes');
    expect(result.stdout.length).toBeLessThanOrEqual(1 << 20);
  });

  it('says a program died of a signal with code null', async () => {
    expect((await spawned('sh', ['-c', 'kill -9 $$'])).code).toBeNull();
  });

  it('starts the program with default signals, none blocked, and no descriptor but stdin, stdout and stderr', async () => {
    // Node ignores SIGPIPE (signal 13): a tool that inherited that would not die writing to a closed pipe.
    const status = (await spawned('grep', ['-E', '^Sig(Blk|Ign)', '/proc/self/status'])).stdout;
    expect(BigInt(`0x${/SigBlk:\s+(\w+)/.exec(status)![1]}`)).toBe(0n);
    expect(BigInt(`0x${/SigIgn:\s+(\w+)/.exec(status)![1]}`) & (1n << 12n)).toBe(0n);
    // ls opens the folder it lists as one more descriptor.
    const fds = (await spawned('ls', ['/proc/self/fd'])).stdout.trim().split('\n').map(Number);
    expect(fds.filter((fd) => fd > 3)).toEqual([]);
  });

  it('is what tool() uses, with the same results as a fork', async () => {
    expect(await tool('sh', ['-c', 'printf "%s" "$0"; exit 2', 'x y'])).toEqual({ code: 2, stdout: 'x y', stderr: '' });
    expect((await tool('broapt-no-such-tool', [])).code).toBeNull();
  });
});
