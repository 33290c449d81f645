/**
 * Starts tools with posix_spawn(3) through koffi. Node's child_process forks
 * (libuv's uv_spawn): the kernel copies the page tables of the whole analyser
 * (~150 MB, its YARA rules, two V8 heaps) and marks every page copy-on-write,
 * so after each 7z the analyser took a page fault on every page it wrote.
 * That cost more CPU than 7z's own work. glibc's posix_spawn shares the
 * memory until the exec (CLONE_VM | CLONE_VFORK): nothing to copy, no faults.
 * The child gets stdin from `input` or /dev/null, its stdout and stderr
 * through pipes, every signal at its default and none blocked, as execFile
 * gives it, and no other descriptor (not even one a parent process left open).
 */
import net from 'node:net';
import { errnoName, lastErrno, libc } from './libc.ts';

export interface SpawnResult {
  /** The exit code; null when the program could not start, was killed or overran. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  timeoutMs: number;
  /** stdout and stderr together; past it the program is killed. */
  maxBytes: number;
  input?: Buffer | undefined;
}

type Fn = (...args: unknown[]) => number;

interface Spawn {
  spawnp: Fn;
  actionsInit: Fn;
  actionsDestroy: Fn;
  addOpen: Fn;
  addDup2: Fn;
  /** glibc 2.34 and later: closes what the child would otherwise inherit (descriptors opened without close-on-exec). */
  addCloseFrom: Fn | undefined;
  pipe2: Fn;
  waitpid: Fn;
  close: Fn;
  /** Every signal at its default and none blocked in the child, built once. */
  attributes: Buffer;
}

const O_CLOEXEC = 0o2000000;
const WNOHANG = 1;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
/** Larger than glibc's posix_spawnattr_t (336 bytes), posix_spawn_file_actions_t (80) and sigset_t (128). */
const OPAQUE_BYTES = 512;

function bind(lib: NonNullable<ReturnType<typeof libc>>): Spawn {
  const fn = (signature: string) => lib.func(signature) as Fn;
  const attributes = Buffer.alloc(OPAQUE_BYTES);
  const none = Buffer.alloc(OPAQUE_BYTES);
  const all = Buffer.alloc(OPAQUE_BYTES);
  fn('int sigemptyset(void *set)')(none);
  fn('int sigfillset(void *set)')(all);
  fn('int posix_spawnattr_init(void *attr)')(attributes);
  fn('int posix_spawnattr_setflags(void *attr, short flags)')(attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  fn('int posix_spawnattr_setsigmask(void *attr, const void *set)')(attributes, none);
  fn('int posix_spawnattr_setsigdefault(void *attr, const void *set)')(attributes, all);
  return {
    spawnp: fn('int posix_spawnp(_Out_ int *pid, const char *file, const void *actions, const void *attr, const char **argv, const char **envp)'),
    actionsInit: fn('int posix_spawn_file_actions_init(void *actions)'),
    actionsDestroy: fn('int posix_spawn_file_actions_destroy(void *actions)'),
    addOpen: fn('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int flags, uint32_t mode)'),
    addDup2: fn('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    addCloseFrom: optional(() => fn('int posix_spawn_file_actions_addclosefrom_np(void *actions, int from)')),
    pipe2: fn('int pipe2(_Out_ int *fds, int flags)'),
    waitpid: fn('int waitpid(int pid, _Out_ int *status, int options)'),
    close: fn('int close(int fd)'),
    attributes,
  };
}

function optional(bind: () => Fn): Fn | undefined {
  try {
    return bind();
  } catch {
    return undefined;
  }
}

let bound: Spawn | null | undefined;

/** libc's posix_spawn, or null where koffi or glibc cannot be had (the caller forks instead). */
function loaded(): Spawn | null {
  if (bound === undefined) {
    const lib = libc();
    try {
      bound = lib === null ? null : bind(lib);
    } catch {
      bound = null;
    }
  }
  return bound;
}

/** A pipe's two ends, close-on-exec; throws on failure (out of descriptors). */
function pipe(c: Spawn): [number, number] {
  const fds = [0, 0];
  if (c.pipe2(fds, O_CLOEXEC) !== 0) throw new Error(`cannot make a pipe: ${lastErrno()}`);
  return [fds[0]!, fds[1]!];
}

/**
 * Runs `command` (searched in PATH) with `args`, or returns undefined when
 * posix_spawn is not available here.
 */
export function spawnTool(command: string, args: string[], options: SpawnOptions): Promise<SpawnResult> | undefined {
  const c = loaded();
  if (c === null) return undefined;
  // The child's ends are closed here once it holds them (ours would keep its reads from ever
  // seeing the end); ours are closed by the reads, or here when it never started.
  const childEnds: number[] = [];
  const ourEnds: number[] = [];
  /** A pipe whose ends are closed whatever happens: `childReads` says which end the child gets. */
  const pipeFor = (childReads: boolean) => {
    const [read, write] = pipe(c);
    childEnds.push(childReads ? read : write);
    ourEnds.push(childReads ? write : read);
    return { read, write };
  };
  const actions = Buffer.alloc(OPAQUE_BYTES);
  c.actionsInit(actions);
  try {
    const out = pipeFor(false);
    const err = pipeFor(false);
    const input = options.input;
    const stdin = input === undefined ? undefined : pipeFor(true);
    if (stdin === undefined) c.addOpen(actions, 0, '/dev/null', 0, 0);
    else c.addDup2(actions, stdin.read, 0);
    c.addDup2(actions, out.write, 1);
    c.addDup2(actions, err.write, 2);
    c.addCloseFrom?.(actions, 3);
    const pid = [0];
    const env = [...Object.entries(process.env).map(([key, value]) => `${key}=${value}`), null];
    const failed = c.spawnp(pid, command, actions, c.attributes, [command, ...args, null], env);
    if (failed !== 0) return Promise.resolve({ code: null, stdout: '', stderr: `spawn ${command} ${errnoName(failed)}` });
    ourEnds.length = 0;
    if (stdin !== undefined && input !== undefined) {
      const socket = new net.Socket({ fd: stdin.write, readable: false, writable: true });
      // A tool that stops reading early (it has seen enough) must not fail the run.
      socket.on('error', () => {});
      socket.end(input);
    }
    return collect(c, pid[0]!, command, out.read, err.read, options);
  } catch (error) {
    return Promise.resolve({ code: null, stdout: '', stderr: `spawn ${command}: ${(error as Error).message}` });
  } finally {
    for (const fd of [...childEnds, ...ourEnds]) c.close(fd);
    c.actionsDestroy(actions);
  }
}

/** Reads both pipes to their end, then reaps the child; kills it past the time or output budget. */
function collect(c: Spawn, pid: number, command: string, outFd: number, errFd: number, options: SpawnOptions): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const chunks: [Buffer[], Buffer[]] = [[], []];
    let bytes = 0;
    let why = '';
    const streams: net.Socket[] = [];
    const kill = (reason: string) => {
      why ||= reason;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It has ended already.
      }
      // A process it started may hold the pipes open for ever: stop reading them.
      for (const stream of streams) stream.destroy();
    };
    const timer = setTimeout(() => kill(`${command} took longer than ${options.timeoutMs / 1000} s: killed`), options.timeoutMs);
    const read = (fd: number, into: Buffer[]) =>
      new Promise<void>((done) => {
        const stream = new net.Socket({ fd, readable: true, writable: false });
        streams.push(stream);
        stream.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > options.maxBytes) kill(`${command} wrote more than ${options.maxBytes} bytes: killed`);
          else into.push(chunk);
        });
        stream.on('close', () => done());
        stream.on('error', () => {});
      });
    void Promise.all([read(outFd, chunks[0]), read(errFd, chunks[1])]).then(async () => {
      const status = [0];
      let reaped = 0;
      // Its pipes close as it exits: the wait is short unless it closed them and went on.
      for (let delay = 0; (reaped = c.waitpid(pid, status, WNOHANG)) === 0; delay = Math.min(delay * 2 || 1, 50)) await new Promise((wake) => setTimeout(wake, delay));
      clearTimeout(timer);
      if (reaped !== pid) why ||= `${command}: its exit status is lost (${lastErrno()})`;
      const exited = (status[0]! & 0x7f) === 0;
      const stderr = Buffer.concat(chunks[1]).toString('utf8');
      resolve({ code: exited && why === '' ? (status[0]! >> 8) & 0xff : null, stdout: Buffer.concat(chunks[0]).toString('utf8'), stderr: why ? `${stderr}${why}` : stderr });
    });
  });
}
