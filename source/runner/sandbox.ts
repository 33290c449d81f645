import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runsFolder } from './output-dir.ts';
import { quote } from './launcher.ts';
import type { IsolatedRun, Isolation, Mount } from './plan.ts';


/**
 * The users a sandbox runs as when broapt is root (RLIMIT_NPROC never applies
 * to root, and root reads every file): one drawn at random from this range per
 * sandbox, because RLIMIT_NPROC counts every process of a user, so sandboxes
 * sharing one would share their process limit (a fork bomb in one would starve
 * the others). The PID namespace keeps sandboxes that draw the same one apart.
 */
export const SANDBOX_UIDS = { first: 200_000, count: 1000 } as const;

/** A uid for one sandbox when broapt is root; undefined otherwise (the sandbox runs as broapt's user). */
export function sandboxUid(): number | undefined {
  return process.getuid?.() === 0 ? SANDBOX_UIDS.first + randomInt(SANDBOX_UIDS.count) : undefined;
}

let passwd: string | undefined;

/**
 * The host's /etc/passwd plus a name for each sandbox uid, shown as the
 * sandbox's /etc/passwd: tools look their user up (Node's os.userInfo() throws
 * for a uid without an entry).
 */
function passwdFile(): string {
  if (passwd !== undefined && fs.existsSync(passwd)) return passwd;
  const lines = [fs.readFileSync('/etc/passwd', 'utf8').trimEnd()];
  for (let i = 0; i < SANDBOX_UIDS.count; i++) lines.push(`broapt${i}:x:${SANDBOX_UIDS.first + i}:${SANDBOX_UIDS.first + i}:broapt sandbox:/tmp:/usr/sbin/nologin`);
  const file = path.join(runsFolder(), 'passwd');
  // Written aside and renamed: other threads and broapt processes may be doing the same.
  const temp = `${file}.${randomInt(2 ** 47)}`;
  fs.writeFileSync(temp, `${lines.join('\n')}\n`, { mode: 0o644 });
  fs.renameSync(temp, file);
  passwd = file;
  return file;
}

/** Variables every isolated command starts from, instead of broapt's own environment (which may hold secrets). */
export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Read-only system view. /etc stays (tools need ld.so.cache, passwd, ssl certs, ...) minus what holds secrets.
const SYSTEM_DIRS = ['/usr', '/etc', '/opt'];
const SYSTEM_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const ETC_SECRET_FILES = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-'];
const ETC_SECRET_DIRS = ['/etc/ssl/private', '/etc/ssh'];

let systemArgs: string[] | undefined;

/** bwrap options for the read-only system, from what this host has (merged /usr or not). */
function systemView(): string[] {
  if (systemArgs) return systemArgs;
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) if (isDir(dir)) args.push('--ro-bind', dir, dir);
  for (const link of SYSTEM_LINKS) {
    const stat = fs.lstatSync(link, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(link), link);
    else if (stat?.isDirectory()) args.push('--ro-bind', link, link);
  }
  for (const file of ETC_SECRET_FILES) if (fs.existsSync(file)) args.push('--ro-bind', '/dev/null', file);
  if (process.getuid?.() === 0 && fs.existsSync('/etc/passwd')) args.push('--ro-bind', passwdFile(), '/etc/passwd');
  for (const dir of ETC_SECRET_DIRS) if (isDir(dir)) args.push('--tmpfs', dir);
  systemArgs = args;
  return args;
}

function isDir(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * Shell code that runs `run.command` under bubblewrap: no network (own network
 * namespace), own PID, IPC and UTS namespaces, a read-only system, a private
 * /tmp of limits.disk bytes, the file read-only, only the output folder writable, and rlimits on
 * memory (the data limit), CPU time, processes and file size. When broapt is
 * root the command drops to an unprivileged user of its own (`run.uid`)
 * without capabilities, so the process limit holds and root-only files stay
 * closed. Killing the launcher's process
 * group kills bwrap; --die-with-parent and the PID namespace take the rest.
 */
export function sandboxCommand(run: IsolatedRun): string {
  const { limits, mounts } = run.isolation;
  const args = ['bwrap', '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent', '--new-session'];
  // /tmp is a tmpfs of limits.disk bytes: RLIMIT_FSIZE bounds one file, not how many.
  const tmpSize = limits.disk === undefined ? [] : ['--size', String(limits.disk)];
  args.push(...systemView(), '--proc', '/proc', '--dev', '/dev', ...tmpSize, '--perms', '1777', '--tmpfs', '/tmp');
  const binds: Array<[string, string, string]> = [['--ro-bind', run.cwd, run.cwd]];
  for (const mount of mounts) binds.push([mount.writable ? '--bind' : '--ro-bind', mount.source, mount.target]);
  if (run.file !== undefined) binds.push(['--ro-bind', run.file.source, run.file.path]);
  binds.push(['--bind', run.outputDir, run.outputDir]);
  // bwrap makes missing mount points with the mode of the host folder (often 0700, e.g. mkdtemp): make them traversable first.
  const made = new Set(['/', '/tmp', ...SYSTEM_DIRS, ...SYSTEM_LINKS]);
  for (const [, , target] of binds) {
    for (let dir = path.dirname(target); !made.has(dir) && !SYSTEM_DIRS.some((s) => dir.startsWith(`${s}/`)); dir = path.dirname(dir)) {
      made.add(dir);
      args.push('--perms', '0755', '--dir', dir);
    }
  }
  // --dir arguments above are outermost-last; bwrap needs parents first.
  reorderDirs(args);
  for (const bind of binds) args.push(...bind);
  args.push('--chdir', run.cwd, '--clearenv', '--setenv', 'PATH', BASE_PATH, '--setenv', 'HOME', '/tmp');
  const code = [...args.map(quote)];
  // Names are checked by the launcher (and warm.ts) before any of this code runs; quoted all the same.
  for (const name of run.envNames) code.push('--setenv', quote(name), `"$${name}"`);
  code.push('--');
  if (run.uid !== undefined) {
    code.push(...['setpriv', `--reuid=${run.uid}`, `--regid=${run.uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'].map(quote));
  }
  code.push(...['prlimit', ...rlimitArgs(limits), '--', '/bin/sh', '-c', run.command].map(quote));
  return `exec ${code.join(' ')}`;
}

/** prlimit options; a limit left unset stays as inherited. */
function rlimitArgs(limits: Isolation['limits']): string[] {
  const out: string[] = [];
  // RLIMIT_DATA, not RLIMIT_AS: JIT runtimes (Node, Java) reserve gigabytes of address space they never
  // touch (V8 needs over 6 GiB with a worker thread), while the data limit counts the memory written.
  if (limits.memory !== undefined) out.push(`--data=${limits.memory}`);
  if (limits.cpu !== undefined) out.push(`--cpu=${limits.cpu}`);
  if (limits.processes !== undefined) out.push(`--nproc=${limits.processes}`);
  if (limits.fileSize !== undefined) out.push(`--fsize=${limits.fileSize}`);
  return out;
}

/** Sort each run of `--perms 0755 --dir X` so shorter (parent) paths come first. */
function reorderDirs(args: string[]): void {
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '--dir') dirs.push(args[i + 1]!);
  dirs.sort((a, b) => a.length - b.length);
  let next = 0;
  for (let i = 0; i < args.length; i++) if (args[i] === '--dir') args[i + 1] = dirs[next++]!;
}

/**
 * Whether a host file is there for a sandboxed command with this workdir and
 * these mounts: the path as written and, links followed, the file it names
 * (a link into an unmounted folder dangles inside). Mounts shown at another
 * path are taken on trust.
 */
export function shownInSandbox(file: string, cwd: string, mounts: Mount[]): boolean {
  const shown = [...SYSTEM_DIRS, ...SYSTEM_LINKS, cwd, ...mounts.map((mount) => mount.target)];
  if (mounts.some((mount) => mount.target !== mount.source && within(file, mount.target))) return true;
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  return [file, real].every((p) => shown.some((root) => within(p, root)));
}

function within(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
