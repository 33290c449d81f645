import type { FileRecord } from '../pipeline/record.ts';
import { printable, type Summary } from '../pipeline/summary.ts';
import { detectionLine } from './detection-line.ts';

/**
 * Progress on stderr: a redrawn bar on a terminal, otherwise a plain line every
 * few seconds (and one per failure) so logs of long runs show movement.
 */
export class Progress {
  readonly #tty: boolean;
  readonly #stream: NodeJS.WriteStream;
  #total = 0;
  #lastDraw = 0;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  setTotal(total: number): void {
    this.#total = total;
  }

  /** Files found during the pass (archive members) that it will analyse too. */
  addToTotal(count: number): void {
    if (this.#total > 0) this.#total += count;
  }

  update(record: FileRecord, summary: Summary): void {
    if (record.status === 'failed' && !this.#tty) this.#stream.write(`failed: ${printable(record.path)}: ${printable(record.reason ?? '')}\n`);
    const detection = detectionLine(record);
    // On a terminal the line replaces the bar, which the next draw puts back under it.
    if (detection !== undefined) {
      this.#stream.write(`${this.#drawn ? '\r\x1b[K' : ''}${detection}\n`);
      this.#drawn = false;
      this.#lastDraw = 0;
    }
    const now = performance.now();
    const last = this.#total > 0 && summary.processed >= this.#total;
    if (!last && now - this.#lastDraw < (this.#tty ? 100 : 5000)) return;
    this.#lastDraw = now;
    const counts = `${summary.processed}${this.#total ? `/${this.#total}` : ''} files, ${summary.failed} failed, ${summary.rate.toFixed(1)} files/s`;
    if (!this.#tty) {
      this.#stream.write(`progress: ${counts}\n`);
      return;
    }
    const width = 30;
    const ratio = this.#total ? Math.min(1, summary.processed / this.#total) : 0;
    const filled = Math.round(ratio * width);
    // A rate measured over the first moments (start-up included) makes a wild ETA.
    const eta = this.#total && summary.rate > 0 && summary.seconds > 0.5 ? ` ETA ${Math.ceil((this.#total - summary.processed) / summary.rate)} s` : '';
    this.#stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}${eta}`);
    this.#drawn = true;
  }

  /** Leave the bar's line before other output. */
  end(): void {
    if (this.#drawn) this.#stream.write('\n');
    this.#drawn = false;
  }
}
