/**
 * ClamAV for the generic scan: through a running clamd when there is one
 * (databases loaded once for every file), else clamscan per file (databases
 * loaded on every call: tens of seconds and a GiB with the official ones).
 * A clamd that stops answering mid-run costs no detection: that file goes to
 * clamscan, and so does every later one until clamd answers again.
 */
import fs from 'node:fs';
import type { Sample } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { ClamAv, clamFinding, type ClamLimits } from './clamav.ts';
import { Clamd, ClamdError, describeAddress, parseClamdAddress, type StreamVerdict } from './clamd.ts';

/** Debian's clamav-daemon socket, where `auto` looks when clamd.conf names none. */
export const DEBIAN_CLAMD_SOCKET = '/run/clamav/clamd.ctl';
const DEBIAN_CLAMD_CONF = '/etc/clamav/clamd.conf';
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export interface ClamScanOptions {
  /** Databases for clamscan (clamd has its own, from its DatabaseDirectory). */
  databases: string[];
  clamscan?: string;
  /** `SCAN_CLAMD`: `auto` (default), `off`, a Unix socket path or `tcp://HOST:PORT`. */
  clamd?: string;
  /** Where `auto` reads clamd's LocalSocket. */
  clamdConf?: string;
  connectTimeoutMs?: number;
  answerTimeoutMs?: number;
  /** Where the one line about a clamd that stopped answering goes. */
  warn?: (line: string) => void;
  /** clamscan's limits; a clamd has its own clamd.conf (clamd-server.ts writes them there). */
  limits?: ClamLimits;
}

/** clamd.conf's `LocalSocket`, when the file names one. */
export function localSocketOf(conf: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(conf, 'utf8');
  } catch {
    return undefined;
  }
  return /^\s*LocalSocket\s+(\S+)\s*$/m.exec(text)?.[1];
}

export function findingsOf(verdict: StreamVerdict): Finding[] {
  if (verdict.kind === 'found') return [clamFinding(verdict.signature)];
  if (verdict.kind === 'limit') return [{ rule: 'clamav.stream-limit', description: "the file is larger than clamd's StreamMaxLength: ClamAV saw its head only", severity: 'low' }];
  return [];
}

export class ClamScan {
  readonly #options: ClamScanOptions;
  readonly #clamscan: ClamAv;
  #clamd: Promise<Clamd | undefined> | undefined;
  #down = false;

  constructor(options: ClamScanOptions) {
    this.#options = options;
    this.#clamscan = new ClamAv({ databases: options.databases, clamscan: options.clamscan, limits: options.limits });
  }

  /** The clamd to use, found once: the configured one, or in `auto` the first local socket that answers PING. */
  clamd(): Promise<Clamd | undefined> {
    this.#clamd ??= this.#findClamd();
    return this.#clamd;
  }

  async #findClamd(): Promise<Clamd | undefined> {
    const setting = (this.#options.clamd ?? '').trim() || 'auto';
    if (setting === 'off') return undefined;
    const timeouts = { connectTimeoutMs: this.#options.connectTimeoutMs, answerTimeoutMs: this.#options.answerTimeoutMs };
    // A configured clamd is used even when it is down at start-up: each file tries it first.
    if (setting !== 'auto') return new Clamd(parseClamdAddress(setting), timeouts);
    const sockets = new Set([localSocketOf(this.#options.clamdConf ?? DEBIAN_CLAMD_CONF), DEBIAN_CLAMD_SOCKET].filter((s): s is string => s !== undefined));
    for (const socket of sockets) {
      const clamd = new Clamd({ socket }, timeouts);
      if (await clamd.ping()) return clamd;
    }
    return undefined;
  }

  async scan(sample: Sample): Promise<Finding[]> {
    const clamd = await this.clamd();
    if (clamd) {
      try {
        const findings = findingsOf(await scanSample(clamd, sample));
        this.#down = false;
        return findings;
      } catch (error) {
        if (!(error instanceof ClamdError)) throw error;
        if (!this.#down) (this.#options.warn ?? warnOnStderr)(`clamav: ${(error as Error).message}; scanning with clamscan until clamd answers again`);
        this.#down = true;
      }
    }
    return (await this.#clamscan.scan([sample.path])).get(sample.path)!;
  }

  /**
   * Which ClamAV is in use (`clamd at /run/clamav/clamd.ctl (ClamAV 1.4.6/…)` or
   * `clamscan (no clamd)`) and what makes it unusable: a clamd that does not
   * find EICAR has no databases; clamscan must load ours.
   */
  async check(): Promise<{ engine: string; problem?: string }> {
    for (const db of this.#options.databases) if (!fs.existsSync(db)) return { engine: 'clamscan', problem: `ClamAV database ${db} does not exist` };
    let clamd: Clamd | undefined;
    try {
      clamd = await this.clamd();
    } catch (error) {
      return { engine: 'clamd', problem: (error as Error).message };
    }
    if (clamd && (await clamd.ping())) {
      const where = describeAddress(clamd.address);
      try {
        const [version, eicar] = await Promise.all([clamd.version(), clamd.scan(Buffer.from(EICAR))]);
        if (eicar.kind !== 'found') return { engine: `clamd at ${where} (${version})`, problem: `clamd at ${where} does not find EICAR: its databases lack our broapt.hdb/.ndb and the official ones` };
        return { engine: `clamd at ${where} (${version}; EICAR found as ${eicar.signature})` };
      } catch (error) {
        return { engine: `clamd at ${where}`, problem: (error as Error).message };
      }
    }
    const engine = clamd ? `clamscan (clamd at ${describeAddress(clamd.address)} does not answer)` : 'clamscan (no clamd)';
    const problem = await this.#clamscan.check();
    return problem === undefined ? { engine } : { engine, problem };
  }
}

/** Streams the sample's bytes; a sample cut at its head is streamed whole from the file, opened without following a link. */
async function scanSample(clamd: Clamd, sample: Sample): Promise<StreamVerdict> {
  if (!sample.truncated) return clamd.scan(sample.bytes);
  const fd = fs.openSync(sample.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error(`${sample.path} is no longer a regular file`);
    return await clamd.scan({ fd });
  } finally {
    fs.closeSync(fd);
  }
}

function warnOnStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
