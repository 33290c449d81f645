import type { Entry } from '../entry/entry.ts';
import type { FileRecord } from './record.ts';

/** A file's record before its finishing time and duration are known. */
export type AnalysedRecord = Omit<FileRecord, 'time' | 'durationMs'>;

/**
 * Answers a file from the record of an identical file analysed earlier, instead
 * of running its app again. The embedded default has none; cluster mode keeps
 * one in Redis (source/redis/cache.ts).
 */
export interface ResultCache {
  /** The cached record for this file, else what `analyse` gives (stored for the next identical file). */
  through(entry: Entry, analyse: () => Promise<AnalysedRecord | undefined>): Promise<AnalysedRecord | undefined>;
}
