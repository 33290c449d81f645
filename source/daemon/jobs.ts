import type { FileRecord } from '../pipeline/record.ts';
import type { TaggedFinding } from '../report/merge.ts';

/** One scan the daemon was asked for. */
export interface Job {
  id: string;
  /** The file as the request named it, relative to the dump folder. */
  name: string;
  mime: string;
  status: 'running' | 'done' | 'failed';
  record?: FileRecord;
  /** The request's keys that the reference used for commands: read past, listed back so the caller knows. */
  ignored: string[];
}

/** The report object of the report contract, as the app side puts it into its record. */
export interface RemoteReport {
  verdict: string;
  score?: number;
  findings: TaggedFinding[];
  /** The daemon's own record details: which app ran, when, how long. */
  details: { app: string; matchedBy: string; durationMs: number; time: string; sha256?: string; realMime?: string };
}

/**
 * A job as the API shows it: the reference's fields (`id`, `inited`,
 * `scanned`, `reported`, `deleted`) plus `status`, the report and, for
 * `report/:id` and `scan`, the daemon's whole record.
 */
export function jobView(job: Job, options: { record?: boolean; deleted?: boolean } = {}) {
  const { record } = job;
  const report = record === undefined ? undefined : reportOf(record);
  return {
    id: job.id,
    name: job.name,
    mime: job.mime,
    status: job.status,
    inited: job.status === 'running' ? null : true,
    scanned: job.status !== 'running',
    reported: job.status === 'running' ? null : job.status === 'done',
    deleted: options.deleted === true,
    ...(record?.reason === undefined ? {} : { reason: record.reason }),
    ...(report === undefined ? {} : { report }),
    ...(job.ignored.length === 0 ? {} : { ignored: job.ignored }),
    ...(options.record === true && record !== undefined ? { record } : {}),
  };
}

export function reportOf(record: FileRecord): RemoteReport | undefined {
  const { verdict, score, findings } = record;
  if (verdict === undefined) return undefined;
  return {
    verdict,
    ...(score === undefined ? {} : { score }),
    findings: findings ?? [],
    details: {
      app: record.app,
      matchedBy: record.matchedBy,
      durationMs: record.durationMs,
      time: record.time,
      ...(record.sha256 === undefined ? {} : { sha256: record.sha256 }),
      ...(record.realMime === undefined ? {} : { realMime: record.realMime }),
    },
  };
}

/** Finished jobs kept for `list` and `report/:id`; the oldest go first. */
const KEPT_JOBS = 10_000;

export class JobStore {
  readonly #jobs = new Map<string, Job>();

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  has(id: string): boolean {
    return this.#jobs.has(id);
  }

  add(job: Job): void {
    this.#jobs.set(job.id, job);
    if (this.#jobs.size <= KEPT_JOBS) return;
    for (const [id, old] of this.#jobs) {
      if (old.status === 'running') continue;
      this.#jobs.delete(id);
      break;
    }
  }

  finish(job: Job, record: FileRecord): void {
    job.record = record;
    job.status = record.status;
  }

  delete(id: string): void {
    this.#jobs.delete(id);
  }

  all(): Job[] {
    return [...this.#jobs.values()];
  }
}
