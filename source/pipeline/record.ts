import type { CommandReport, TaggedFinding } from '../report/merge.ts';
import type { Verdict } from '../report/report.ts';
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
  /** For a file unpacked from an archive: the archive's fuid, and the file's path inside it. */
  parentFuid?: string;
  archivePath?: string;
  /** Content hash: an app's `details.sha256`, else computed by broapt. Set for done files. */
  sha256?: string;
  /** MIME type from the content, when known: an app's `details.realMime`, or the sniffed type of a name that carries none. */
  realMime?: string;
  /** Worst verdict of the commands' reports (`unknown` when none gave one). Set for done files only. */
  verdict?: Verdict;
  /** Highest score of the reports, 0-100. */
  score?: number;
  /** Every report's findings, each tagged with its app. */
  findings?: TaggedFinding[];
  /** Each command's report (apps/README.md), in the order the commands ran. */
  reports?: CommandReport[];
  /** Answered from the cluster's result cache: the path of the identical file whose app ran (no command ran for this one). */
  cachedFrom?: string;
  /** Every command that ran, install steps included, in order. */
  commands: CommandResult[];
  durationMs: number;
}

/** The record of a file that could not be read or analysed: `what` says which, the error why. */
export function failedRead(file: string, error: unknown, what: string): Omit<FileRecord, 'time' | 'durationMs'> {
  return {
    path: file,
    fuid: '',
    protocol: null,
    pcap: null,
    mime: '',
    app: '',
    matchedBy: 'default',
    status: 'failed',
    reason: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    commands: [],
  };
}
