import type { SkipReason } from './listing.ts';
import { VERDICTS, type Verdict } from '../report/report.ts';
import type { FileRecord } from './record.ts';

/**
 * A path as it may be shown on a terminal: names come from traffic, and a
 * control character (ESC, newline) would rewrite the screen or forge a line.
 */
export function printable(path: string): string {
  return /[\u0000-\u001f\u007f-\u009f]/.test(path) ? JSON.stringify(path) : path;
}

/** How many failures and skipped paths the closing summary lists by name. */
const SHOWN = 20;
/** How many non-clean files the closing table lists, worst first. */
const SHOWN_DETECTIONS = 50;

/** Running totals of a pass, for the progress line and the closing summary. */
export class Summary {
  readonly started = performance.now();
  done = 0;
  failed = 0;
  /** The first few skipped paths, for the printout; `skippedCount` counts them all. */
  readonly skipped: Array<{ path: string; reason: SkipReason }> = [];
  skippedCount = 0;
  /** Files left alone because the history has them: skipped too, and said apart. */
  alreadyProcessed = 0;
  readonly perMime = new Map<string, { done: number; failed: number }>();
  /** The first few failures, for the printout (fail.log has every one): a long watch must not grow without bound. */
  readonly failures: FileRecord[] = [];
  /** Files with a suspicious or malicious verdict: the worst few (reports.jsonl has every one). */
  readonly detections: FileRecord[] = [];
  readonly verdicts: Record<Verdict, number> = { clean: 0, unknown: 0, suspicious: 0, malicious: 0 };

  add(record: FileRecord): void {
    const counts = this.perMime.get(record.mime) ?? { done: 0, failed: 0 };
    if (record.status === 'done') {
      this.done++;
      counts.done++;
      if (record.verdict !== undefined) this.#addVerdict(record, record.verdict);
    } else {
      this.failed++;
      counts.failed++;
      if (this.failures.length < SHOWN) this.failures.push(record);
    }
    this.perMime.set(record.mime, counts);
  }

  #addVerdict(record: FileRecord, verdict: Verdict): void {
    this.verdicts[verdict]++;
    if (verdict !== 'suspicious' && verdict !== 'malicious') return;
    this.detections.push(record);
    if (this.detections.length > SHOWN_DETECTIONS * 2) this.detections.splice(0, this.detections.length, ...worstFirst(this.detections).slice(0, SHOWN_DETECTIONS));
  }

  skip(path: string, reason: SkipReason): void {
    this.skippedCount++;
    if (this.skipped.length < SHOWN) this.skipped.push({ path, reason });
  }

  get processed(): number {
    return this.done + this.failed;
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  get rate(): number {
    return this.processed / Math.max(this.seconds, 1e-3);
  }

  format(): string {
    const already = this.alreadyProcessed > 0 ? ` (${this.alreadyProcessed} already processed)` : '';
    const lines = [
      `${this.processed} file${this.processed === 1 ? '' : 's'} in ${this.seconds.toFixed(1)} s (${this.rate.toFixed(1)} files/s): ${this.done} done, ${this.failed} failed, ${this.skippedCount + this.alreadyProcessed} skipped${already}`,
    ];
    const mimes = [...this.perMime.entries()].sort((a, b) => b[1].done + b[1].failed - (a[1].done + a[1].failed) || a[0].localeCompare(b[0]));
    if (mimes.length > 0) {
      const width = Math.max(...mimes.map(([mime]) => mime.length), 4);
      lines.push('', `${'MIME'.padEnd(width)}  done  failed`);
      for (const [mime, c] of mimes) lines.push(`${(mime || '(unreadable)').padEnd(width)}  ${String(c.done).padStart(4)}  ${String(c.failed).padStart(6)}`);
    }
    const flagged = this.verdicts.suspicious + this.verdicts.malicious;
    if (flagged > 0) lines.push('', ...this.#detectionTable(flagged));
    if (this.failures.length > 0) {
      lines.push('', 'Failed:');
      for (const f of this.failures) lines.push(`  ${printable(f.path)}\n    ${printable(f.reason ?? '')}`);
      if (this.failed > this.failures.length) lines.push(`  … and ${this.failed - this.failures.length} more in fail.log`);
    }
    if (this.skipped.length > 0) {
      lines.push('', 'Skipped (never followed or opened):');
      for (const s of this.skipped) lines.push(`  ${printable(s.path)}: ${s.reason}`);
      if (this.skippedCount > this.skipped.length) lines.push(`  … and ${this.skippedCount - this.skipped.length} more`);
    }
    return lines.join('\n');
  }

  /** Non-clean files, worst first: verdict, score, the app that took the file, the file, then what was found. */
  #detectionTable(flagged: number): string[] {
    const { malicious, suspicious, clean, unknown } = this.verdicts;
    const shown = worstFirst(this.detections).slice(0, SHOWN_DETECTIONS);
    const appWidth = Math.max(3, ...shown.map((r) => r.app.length));
    const lines = [`Not clean: ${malicious} malicious, ${suspicious} suspicious (${clean} clean, ${unknown} without a verdict)`, `  VERDICT     SCORE  ${'APP'.padEnd(appWidth)}  FILE`];
    for (const r of shown) {
      lines.push(`  ${r.verdict!.padEnd(10)}  ${String(r.score ?? 0).padStart(5)}  ${r.app.padEnd(appWidth)}  ${printable(r.path)}`);
      const found = (r.findings ?? []).filter((f) => f.severity !== 'info').map((f) => f.rule);
      if (found.length > 0) lines.push(`  ${''.padEnd(19 + appWidth)}  ${printable([...new Set(found)].join(', '))}`);
    }
    if (flagged > shown.length) lines.push(`  … and ${flagged - shown.length} more in reports.jsonl`);
    return lines;
  }
}

function worstFirst(records: FileRecord[]): FileRecord[] {
  return [...records].sort((a, b) => VERDICTS.indexOf(b.verdict!) - VERDICTS.indexOf(a.verdict!) || (b.score ?? 0) - (a.score ?? 0) || a.path.localeCompare(b.path));
}
