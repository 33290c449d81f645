/**
 * A private clamd on a temp socket, loading the same databases the scan gives
 * clamscan (ours, and /var/lib/clamav's when freshclam filled it), for tests,
 * benches and a host without Debian's clamav-daemon service:
 *   node apps/example/clamd-server.ts   prints SCAN_CLAMD=SOCKET, serves until Ctrl-C
 * Its config is generated: no system log, no pid file, no privilege drop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clamdLimitLines, clamLimitsFrom, type ClamLimits } from './clamav.ts';
import { Clamd } from './clamd.ts';
import { defaultClamDatabases } from './scan.ts';

const DATABASE = /\.(?:cvd|cld|cud|hdb|hsb|hdu|hsu|mdb|msb|mdu|msu|ndb|ndu|ldb|ldu|idb|cdb|crb|cfg|ftm|fp|sfp|ign|ign2|pdb|gdb|wdb|yar|yara|cat|info)$/;

export interface ClamdServerOptions {
  /** Database files or folders of them; default: the scan's own (SCAN_CLAMAV_DB's default). */
  databases?: string[];
  /** The program [$CLAMD, else clamd from PATH or /usr/sbin]. */
  clamd?: string;
  /** clamd's StreamMaxLength (`100M`, `1M`, …). */
  streamMaxLength?: string;
  /** MaxFiles, MaxScanSize, MaxScanTime [the scan's, from the environment]. */
  limits?: ClamLimits;
  /** Longest the databases may take to load. */
  startTimeoutMs?: number;
}

export interface ClamdServer {
  socket: string;
  pid: number;
  /** Ends clamd and removes its folder; resolves when clamd has exited. */
  stop(): Promise<void>;
}

/** Ours are copied (clamd reads them under its own name); big official ones are linked. */
function fillDatabaseDirectory(target: string, databases: string[]): void {
  for (const db of databases) {
    const files = fs.statSync(db).isDirectory() ? fs.readdirSync(db).filter((name) => DATABASE.test(name)).map((name) => path.join(db, name)) : [db];
    for (const file of files) {
      const into = path.join(target, path.basename(file));
      if (fs.statSync(file).size > 1 << 20) fs.symlinkSync(path.resolve(file), into);
      else fs.copyFileSync(file, into);
    }
  }
}

/** clamd lives in /usr/sbin on Debian, which a user's PATH often lacks. */
function clamdProgram(): string {
  if (process.env.CLAMD) return process.env.CLAMD;
  const onPath = (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && fs.existsSync(path.join(dir, 'clamd')));
  return onPath || !fs.existsSync('/usr/sbin/clamd') ? 'clamd' : '/usr/sbin/clamd';
}

export async function startClamd(options: ClamdServerOptions = {}): Promise<ClamdServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-clamd-'));
  const socket = path.join(dir, 'clamd.sock');
  fs.mkdirSync(path.join(dir, 'db'));
  fs.mkdirSync(path.join(dir, 'tmp'));
  fillDatabaseDirectory(path.join(dir, 'db'), options.databases ?? defaultClamDatabases());
  const conf = path.join(dir, 'clamd.conf');
  const lines = [`LocalSocket ${socket}`, 'LocalSocketMode 600', `DatabaseDirectory ${path.join(dir, 'db')}`, `TemporaryDirectory ${path.join(dir, 'tmp')}`, 'Foreground yes', 'LogSyslog no', 'LogVerbose no'];
  if (options.streamMaxLength) lines.push(`StreamMaxLength ${options.streamMaxLength}`);
  lines.push(...clamdLimitLines(options.limits ?? clamLimitsFrom(process.env)));
  fs.writeFileSync(conf, `${lines.join('\n')}\n`);

  let output = '';
  const child = spawn(options.clamd ?? clamdProgram(), ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // A test or bench that dies must not leave clamd behind.
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPong(child, new Clamd({ socket }), options.startTimeoutMs ?? 180_000);
  } catch (error) {
    await stop();
    throw new Error(`clamd did not start: ${(error as Error).message}\n${output.trim()}`);
  }
  return { socket, pid: child.pid!, stop };
}

async function waitForPong(child: ChildProcess, clamd: Clamd, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failed = new Promise<never>((_, reject) => child.on('error', reject));
  failed.catch(() => {});
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`clamd exited (${child.exitCode ?? child.signalCode})`);
    if (await Promise.race([clamd.ping(), failed])) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no PONG within ${timeoutMs / 1000} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startClamd();
  process.stdout.write(`SCAN_CLAMD=${server.socket}\n`);
  const end = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', end);
  process.on('SIGTERM', end);
}
