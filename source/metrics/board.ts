import path from 'node:path';
import type { FileRecord } from '../pipeline/record.ts';
import type { TaggedFinding } from '../report/merge.ts';
import { BoundedNames } from './bounded.ts';


/** Files waiting and files with the pool right now. */
export interface Load {
  queued: number;
  running: number;
}

export interface MimeRow {
  mime: string;
  done: number;
  failed: number;
  /** Done files by verdict (`none` for a record without one: answered from an older broapt's log). */
  verdicts: Record<string, number>;
}

export interface VerdictRow {
  time: string;
  name: string;
  path: string;
  mime: string;
  app: string;
  verdict: string;
  score: number | null;
  findings: TaggedFinding[];
}

export interface FailureRow {
  time: string;
  name: string;
  path: string;
  mime: string;
  app: string;
  reason: string;
}

/** What the dashboard shows: one JSON object, sent whole on every change. */
export interface StatusSnapshot {
  time: string;
  /** Vent's job counters. */
  counters: Load & { completed: number; failed: number };
  /** Files finished per minute, oldest minute first, the current one last. */
  throughput: Array<{ minute: string; files: number }>;
  mimes: MimeRow[];
  /** Latest files with a verdict other than clean, newest first. */
  verdicts: VerdictRow[];
  /** Latest failed files, newest first. */
  failures: FailureRow[];
}

/**
 * Where the dashboard reads its state from. The embedded default and the Redis
 * mode both run a processor that emits `record` events, so both feed a
 * StatusBoard; a source kept elsewhere only has to answer these two calls.
 */
export interface StatusSource {
  snapshot(): StatusSnapshot;
  /** Called after each change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export const THROUGHPUT_MINUTES = 10;
const KEPT_ROWS = 20;

/** Keeps what the dashboard shows, fed by the processor's `record` events. */
export class StatusBoard implements StatusSource {
  readonly #load: () => Load;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  readonly #mimes = new Map<string, MimeRow>();
  readonly #mimeNames = new BoundedNames();
  /** Finished files per minute, by minute number (ms / 60000). */
  readonly #minutes = new Map<number, number>();
  #completed = 0;
  #failed = 0;
  #verdicts: VerdictRow[] = [];
  #failures: FailureRow[] = [];

  constructor(load: () => Load, now: () => number = Date.now) {
    this.#load = load;
    this.#now = now;
  }

  add(record: FileRecord): void {
    const row = this.#mimeRow(record.mime || 'unknown');
    const name = path.basename(record.path);
    if (record.status === 'failed') {
      this.#failed++;
      row.failed++;
      this.#failures = [{ time: record.time, name, path: record.path, mime: record.mime, app: record.app, reason: record.reason ?? 'failed' }, ...this.#failures].slice(0, KEPT_ROWS);
    } else {
      this.#completed++;
      row.done++;
      const { verdict, score, findings } = record;
      const label = verdict ?? 'none';
      row.verdicts[label] = (row.verdicts[label] ?? 0) + 1;
      if (verdict !== undefined && verdict !== 'clean') {
        const entry: VerdictRow = { time: record.time, name, path: record.path, mime: record.mime, app: record.app, verdict, score: score ?? null, findings: findings ?? [] };
        this.#verdicts = [entry, ...this.#verdicts].slice(0, KEPT_ROWS);
      }
    }
    const minute = Math.floor(this.#now() / 60_000);
    this.#minutes.set(minute, (this.#minutes.get(minute) ?? 0) + 1);
    for (const old of this.#minutes.keys()) if (old <= minute - THROUGHPUT_MINUTES) this.#minutes.delete(old);
    this.changed();
  }

  /** Tell the listeners that something changed (a file was queued or started). */
  changed(): void {
    for (const listener of this.#listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): StatusSnapshot {
    const now = this.#now();
    const current = Math.floor(now / 60_000);
    const throughput = [];
    for (let minute = current - THROUGHPUT_MINUTES + 1; minute <= current; minute++) {
      throughput.push({ minute: new Date(minute * 60_000).toISOString(), files: this.#minutes.get(minute) ?? 0 });
    }
    return {
      time: new Date(now).toISOString(),
      counters: { ...this.#load(), completed: this.#completed, failed: this.#failed },
      throughput,
      mimes: [...this.#mimes.values()].sort((a, b) => b.done + b.failed - (a.done + a.failed) || a.mime.localeCompare(b.mime)),
      verdicts: this.#verdicts,
      failures: this.#failures,
    };
  }

  #mimeRow(mime: string): MimeRow {
    const key = this.#mimeNames.name(mime);
    let row = this.#mimes.get(key);
    if (!row) {
      row = { mime: key, done: 0, failed: 0, verdicts: {} };
      this.#mimes.set(key, row);
    }
    return row;
  }
}
