import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { BroaptError } from '../errors.ts';
import { REPORTS_LOG } from '../report/logs.ts';
import { rotatedFiles } from './rotation.ts';

/** The index of reports.jsonl, beside it in the logs folder. */
export const INDEX_FILE = 'reports.sqlite';

/** Bytes of reports.jsonl read per transaction: bounds memory, and each commit moves the cursor with the rows. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** A first build over a million records, and the queries of `broapt results`, go several times faster with a big page cache. */
const BULK_CACHE_KIB = 64 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  ts REAL NOT NULL,
  fuid TEXT,
  parent_fuid TEXT,
  sha256 TEXT,
  verdict TEXT,
  status TEXT NOT NULL,
  mime TEXT,
  real_mime TEXT,
  score INTEGER,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cursor (
  inode INTEGER PRIMARY KEY,
  offset INTEGER NOT NULL
);
`;

/** The position of the first newline of `file` at or after `from`. */
function nextNewline(file: string, from: number): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let at = from; ; at += buffer.length) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, at);
      if (read === 0) return undefined;
      const newline = buffer.subarray(0, read).indexOf(0x0a);
      if (newline >= 0) return at + newline;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Made once the rows of a first build are in (IF NOT EXISTS: a no-op after). */
const INDEXES = `
CREATE INDEX IF NOT EXISTS records_ts ON records(ts);
CREATE INDEX IF NOT EXISTS records_verdict_ts ON records(verdict, ts);
CREATE INDEX IF NOT EXISTS records_sha256 ON records(sha256);
CREATE INDEX IF NOT EXISTS records_fuid ON records(fuid);
CREATE INDEX IF NOT EXISTS records_parent_fuid ON records(parent_fuid);
`;

/** The index cannot be opened or read (a damaged file, a full disk): it can always be rebuilt. */
export class ResultsIndexError extends BroaptError {
  constructor(file: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('E_RESULTS_INDEX', `${file}: the results index cannot be used (${detail}). Delete it (with its -wal and -shm files) and it is rebuilt from reports.jsonl.`, { cause, exitCode: 1 });
  }
}

interface LogFile {
  file: string;
  inode: number;
}

/**
 * A SQLite index of every record in reports.jsonl and its rotated days.
 *
 * The index never takes records from the writer's memory: it reads them from
 * the files, from a byte offset per file (its cursor, keyed by inode, so it
 * follows a file renamed by rotation) committed in the same transaction as the
 * rows. So a crash between a record and its row loses nothing (the next
 * catch-up reads it), cluster workers appending to the same file each catch up
 * the others' lines once, and a deleted index is rebuilt from the files.
 */
export class ResultsIndex {
  readonly file: string;
  readonly db: DatabaseSync;
  readonly #reports: string;
  readonly #insert: StatementSync;

  private constructor(logsPath: string, db: DatabaseSync) {
    this.file = path.join(logsPath, INDEX_FILE);
    this.db = db;
    this.#reports = path.join(logsPath, REPORTS_LOG);
    this.#insert = db.prepare('INSERT INTO records (ts, fuid, parent_fuid, sha256, verdict, status, mime, real_mime, score, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  }

  /**
   * Opens (or creates) the index of `logsPath`; `catchUp: false` leaves the
   * catch-up to the caller (a run does it a chunk at a time, between files).
   * `cacheKiB` bounds SQLite's page cache, which fills up to it as the index grows.
   */
  static open(logsPath: string, options: { catchUp?: boolean; cacheKiB?: number } = {}): ResultsIndex {
    const file = path.join(logsPath, INDEX_FILE);
    let db: DatabaseSync | undefined;
    try {
      fs.mkdirSync(logsPath, { recursive: true });
      db = new DatabaseSync(file);
      // Another process may hold the write lock while it catches up: wait for it rather than fail.
      db.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      db.exec(`PRAGMA cache_size = ${-Math.trunc(options.cacheKiB ?? BULK_CACHE_KIB)};`);
      db.exec(SCHEMA);
      const index = new ResultsIndex(logsPath, db);
      if (options.catchUp ?? true) index.catchUp();
      return index;
    } catch (error) {
      db?.close();
      throw new ResultsIndexError(file, error);
    }
  }

  /** Reads what reports.jsonl and its rotated days hold past their cursors. Returns how many records it added. */
  catchUp(): number {
    let added = 0;
    for (const step of this.catchUpSteps()) added += step;
    return added;
  }

  /** The catch-up one transaction (at most a chunk of a file) at a time: each step yields the records it added. */
  *catchUpSteps(): Generator<number> {
    const files = this.#files();
    for (const file of files) {
      for (;;) {
        const step = this.#step(file);
        yield step.added;
        if (step.done) break;
      }
    }
    // Days retention removed: their cursors would only mislead a file that reuses the inode.
    this.db.prepare('DELETE FROM cursor WHERE inode NOT IN (SELECT value FROM json_each(?))').run(JSON.stringify(files.map((f) => f.inode)));
    // After a first build's rows: sorting once is several times faster than keeping five B-trees up row by row.
    this.db.exec(INDEXES);
  }

  /** Drops the records older than `cutoff` (seconds since the epoch). */
  pruneBefore(cutoff: number): number {
    return Number(this.db.prepare('DELETE FROM records WHERE ts < ?').run(cutoff).changes);
  }

  close(): void {
    this.db.close();
  }

  /** reports.jsonl and its rotated days, as they are now. */
  #files(): LogFile[] {
    const files: LogFile[] = [];
    for (const file of [...rotatedFiles(this.#reports).map((rotated) => rotated.file), this.#reports]) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat) files.push({ file, inode: stat.ino });
    }
    return files;
  }

  /** One transaction: the next chunk of `file` past its cursor. */
  #step(file: LogFile): { added: number; done: boolean } {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      // Read inside the write lock: another process may have moved it since our last step.
      const cursor = this.db.prepare('SELECT offset FROM cursor WHERE inode = ?').get(file.inode) as { offset: number } | undefined;
      const { added, offset, next } = this.#ingest(file.file, file.inode, cursor?.offset ?? 0);
      if (next !== cursor?.offset) {
        this.db.prepare('INSERT INTO cursor (inode, offset) VALUES (?, ?) ON CONFLICT (inode) DO UPDATE SET offset = excluded.offset').run(file.inode, next);
      }
      this.db.exec('COMMIT');
      return { added, done: next === offset };
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Indexes the whole lines of `file` from its cursor, up to CHUNK_BYTES: the
   * offset it read from, and the one after the last whole line.
   */
  #ingest(file: string, inode: number, cursor: number): { added: number; offset: number; next: number } {
    let offset = cursor;
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { added: 0, offset, next: offset };
      throw error;
    }
    let buffer: Buffer;
    try {
      const stat = fs.fstatSync(fd);
      // The name now holds another file (rotated since the list was made): its own cursor reads it.
      if (stat.ino !== inode) return { added: 0, offset, next: offset };
      // A cursor past the end: the inode was freed and reused by a new file, which is read from its start.
      if (offset > stat.size) offset = 0;
      // Only what is there to read: a run catches up after every burst of records, a few KiB each time.
      buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, stat.size - offset));
      buffer = buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, offset));
    } finally {
      fs.closeSync(fd);
    }
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) {
      // Half a line: the writer is at it. A full chunk without a newline is one record larger than a chunk
      // (an app's huge details): the index bounds its reads and skips it; reports.jsonl keeps it.
      if (buffer.length < CHUNK_BYTES) return { added: 0, offset, next: offset };
      const newline = nextNewline(file, offset + CHUNK_BYTES);
      return { added: 0, offset, next: newline === undefined ? offset : newline + 1 };
    }
    let added = 0;
    for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) if (this.#add(line)) added++;
    return { added, offset, next: offset + end + 1 };
  }

  #add(line: string): boolean {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // A line torn by a crash holds no usable record.
      return false;
    }
    const ts = typeof record.time === 'string' ? Date.parse(record.time) / 1000 : NaN;
    if (!Number.isFinite(ts)) return false;
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    this.#insert.run(
      ts,
      text(record.fuid),
      text(record.parentFuid),
      text(record.sha256)?.toLowerCase() ?? null,
      text(record.verdict),
      text(record.status) ?? 'done',
      text(record.mime),
      text(record.realMime),
      typeof record.score === 'number' ? record.score : null,
      line,
    );
    return true;
  }


}
