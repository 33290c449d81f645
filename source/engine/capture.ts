import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../log.ts';
import { EngineError } from './engine.ts';

/**
 * The folder, inside the capture folder, where dumpcap writes: `watch-pcaps`
 * passes it over, so it never takes a file dumpcap still has open. A closed
 * file is renamed out of it, which the watcher sees as a whole new capture.
 */
export const CAPTURE_SPOOL = '.capturing';

/** A pcap file's global header alone: a rotation that caught no packet. */
const EMPTY_PCAP_BYTES = 24;

export interface CaptureOptions {
  dumpcap: string;
  interface: string;
  /** The folder `watch-pcaps` watches. */
  pcapPath: string;
  rotateSeconds?: number | undefined;
  rotateMb?: number | undefined;
  /** The ring buffer: at most this many handed-over captures, and this many MB of them, are kept. */
  ringFiles: number;
  ringMb: number;
  filter?: string | undefined;
  logger: Logger;
}

export interface CaptureSummary {
  handedOver: number;
  /** Captures the ring buffer removed to stay within its bounds. */
  removed: number;
}

/** dumpcap writes pcap (not pcapng) files named after the interface, rotated by time and by size. */
export function dumpcapArgs(options: CaptureOptions): string[] {
  // No single file may outgrow the whole ring, whatever the time rotation.
  const fileMb = Math.min(options.rotateMb ?? options.ringMb, options.ringMb);
  const args = ['-i', options.interface, '-P', '-w', path.join(spoolOf(options.pcapPath), `${prefixOf(options.interface)}.pcap`), '-b', `filesize:${Math.max(1, Math.round(fileMb * 1000))}`];
  if (options.rotateSeconds !== undefined) args.push('-b', `duration:${options.rotateSeconds}`);
  if (options.filter !== undefined) args.push('-f', options.filter);
  return args;
}

const spoolOf = (pcapPath: string) => path.join(pcapPath, CAPTURE_SPOOL);

/** The interface name as part of a file name: only characters that need no quoting anywhere. */
const prefixOf = (iface: string) => `broapt-${iface.replace(/[^A-Za-z0-9._-]/g, '_')}`;

/**
 * Runs dumpcap on the interface until `stop` resolves (or dumpcap ends), and
 * hands each capture file to the watched folder as soon as dumpcap has closed
 * it: dumpcap announces every file it opens ("File: ..."), so the one before is
 * complete. The last file is handed over once dumpcap has exited.
 */
export async function capture(options: CaptureOptions, stop: Promise<void>): Promise<CaptureSummary> {
  const spool = spoolOf(options.pcapPath);
  await mkdir(spool, { recursive: true });
  const ring = new Ring(options);
  // Files a capture that was killed left behind are closed: hand them over first.
  for (const name of (await readdir(spool)).filter((name) => name.startsWith(`${prefixOf(options.interface)}_`)).sort()) await ring.handOver(path.join(spool, name));

  const child = spawn(options.dumpcap, dumpcapArgs(options), { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  let open: string | undefined;
  let opened = 0;
  const said: string[] = [];
  // Handovers run one at a time, in the order dumpcap opened the files.
  let handing = Promise.resolve();
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    const file = /^File: (.+)$/.exec(line)?.[1];
    if (file === undefined || path.dirname(file) !== spool) {
      said.splice(0, Math.max(0, said.length - 9), line);
      options.logger.info({ dumpcap: line }, 'dumpcap');
      return;
    }
    opened += 1;
    const closed = open;
    open = file;
    if (closed !== undefined) handing = handing.then(() => ring.handOver(closed));
  });
  void stop.then(() => child.kill('SIGTERM'));
  const { code, error } = await exited;
  await handing;
  if (open !== undefined) await ring.handOver(open);
  if (error !== undefined || (opened === 0 && code !== 0)) {
    throw new EngineError(
      'E_CAPTURE',
      `dumpcap could not capture on ${JSON.stringify(options.interface)}: ${error?.message ?? said.join(' ').trim()}. Check the interface name (ip link) and that broapt runs as root or with the NET_RAW and NET_ADMIN capabilities.`,
    );
  }
  return ring.summary();
}

/** The handed-over captures, oldest first, kept within the ring buffer's bounds. */
class Ring {
  readonly #options: CaptureOptions;
  readonly #kept: Array<{ file: string; bytes: number }> = [];
  #handedOver = 0;
  #removed = 0;

  constructor(options: CaptureOptions) {
    this.#options = options;
  }

  async handOver(file: string): Promise<void> {
    const bytes = (await stat(file).catch(() => undefined))?.size;
    if (bytes === undefined) return;
    if (bytes <= EMPTY_PCAP_BYTES) {
      await unlink(file).catch(() => {});
      return;
    }
    const target = path.join(this.#options.pcapPath, path.basename(file));
    await rename(file, target);
    this.#handedOver += 1;
    this.#kept.push({ file: target, bytes });
    this.#options.logger.info({ pcap: target, bytes }, 'capture handed over');
    await this.#trim();
  }

  async #trim(): Promise<void> {
    const limit = this.#options.ringMb * 1_000_000;
    let total = this.#kept.reduce((sum, kept) => sum + kept.bytes, 0);
    while (this.#kept.length > this.#options.ringFiles || total > limit) {
      const oldest = this.#kept.shift()!;
      total -= oldest.bytes;
      await unlink(oldest.file).then(
        () => {
          this.#removed += 1;
          this.#options.logger.warn({ pcap: oldest.file }, 'ring buffer full: removed the oldest capture (raise --ring-files or --ring-size if the analysis falls behind)');
        },
        () => {},
      );
    }
  }

  summary(): CaptureSummary {
    return { handedOver: this.#handedOver, removed: this.#removed };
  }
}
