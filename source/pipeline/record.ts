import type { CommandResult } from '../runner/result.ts';

/** The outcome of one file, one JSON line of `<LOGS_PATH>/processed.jsonl`. */
export interface FileRecord {
  /** When processing finished, ISO-8601. */
  time: string;
  path: string;
  fuid: string;
  protocol: string | null;
  pcap: string | null;
  mime: string;
  /** The api.yml key that ran (`example` for the default). */
  app: string;
  /** Why that key: exact name, first matching glob, or the default. */
  matchedBy: 'exact' | 'glob' | 'default';
  status: 'done' | 'failed';
  /** For failures: what went wrong, in words a user can act on. */
  reason?: string;
  /** Every command that ran, install steps included, in order. */
  commands: CommandResult[];
  durationMs: number;
}
