import type { SQLInputValue } from 'node:sqlite';
import { MAX_CHILD_DEPTH } from '../report/children.ts';
import type { ResultsIndex } from './index.ts';

/** What `broapt results` and the dashboard's Results page ask for; every field narrows the answer. */
export interface ResultFilter {
  verdicts?: string[];
  /** Seconds since the epoch: records of files finished at or after it. */
  since?: number;
  sha256?: string;
  fuid?: string;
  /** A glob (`*`, `?`, `[...]`) over the MIME type from the name or the content. */
  mime?: string;
  /** Only these files and the members unpacked from them (the `--host` join). */
  fuids?: Iterable<string>;
  /** Newest first, at most this many. */
  limit?: number;
  /** Skip this many of the newest (paging). */
  offset?: number;
}

/** A reports.jsonl line as indexed. */
export type ResultRecord = Record<string, unknown> & { time: string; fuid: string; status: string; verdict?: string; parentFuid?: string };

function where(filter: ResultFilter, fuids: string[] | undefined): { sql: string; params: SQLInputValue[] } {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.verdicts !== undefined && filter.verdicts.length > 0) {
    clauses.push(`verdict IN (${filter.verdicts.map(() => '?').join(', ')})`);
    params.push(...filter.verdicts);
  }
  if (filter.since !== undefined) {
    clauses.push('ts >= ?');
    params.push(filter.since);
  }
  if (filter.sha256 !== undefined) {
    clauses.push('sha256 = ?');
    params.push(filter.sha256.toLowerCase());
  }
  if (filter.fuid !== undefined) {
    clauses.push('fuid = ?');
    params.push(filter.fuid);
  }
  if (filter.mime !== undefined) {
    clauses.push('(mime GLOB ? OR real_mime GLOB ?)');
    params.push(filter.mime, filter.mime);
  }
  if (fuids !== undefined) {
    clauses.push('fuid IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(fuids));
  }
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

/** `fuids` and the fuids of every member unpacked from them, however deep (bounded as unpacking is). */
function withDescendants(index: ResultsIndex, fuids: Iterable<string>): string[] {
  const all = new Set(fuids);
  const children = index.db.prepare('SELECT DISTINCT fuid FROM records WHERE parent_fuid IN (SELECT value FROM json_each(?)) AND fuid IS NOT NULL');
  let level = [...all];
  for (let depth = 0; depth < MAX_CHILD_DEPTH && level.length > 0; depth++) {
    level = (children.all(JSON.stringify(level)) as Array<{ fuid: string }>).map((row) => row.fuid).filter((fuid) => !all.has(fuid));
    for (const fuid of level) all.add(fuid);
  }
  return [...all];
}

/** The reports.jsonl lines that match, newest first, as written: `--format json` prints them without a parse. */
export function queryLines(index: ResultsIndex, filter: ResultFilter): string[] {
  const fuids = filter.fuids === undefined ? undefined : withDescendants(index, filter.fuids);
  const { sql, params } = where(filter, fuids);
  const page = filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))} OFFSET ${Math.max(0, Math.floor(filter.offset ?? 0))}`;
  const statement = index.db.prepare(`SELECT record FROM records ${sql} ORDER BY ts DESC, id DESC${page}`);
  // One column: rows as arrays skip building an object per row.
  statement.setReturnArrays(true);
  return (statement.all(...params) as unknown as string[][]).map((row) => row[0]!);
}

/** The records that match, newest first. */
export function queryResults(index: ResultsIndex, filter: ResultFilter): ResultRecord[] {
  return queryLines(index, filter).map((line) => JSON.parse(line) as ResultRecord);
}

/** How many records match (the dashboard's pager). */
export function countResults(index: ResultsIndex, filter: ResultFilter): number {
  const { sql, params } = where(filter, filter.fuids === undefined ? undefined : withDescendants(index, filter.fuids));
  return Number((index.db.prepare(`SELECT count(*) AS n FROM records ${sql}`).get(...params) as { n: number }).n);
}

/** The members unpacked from the files `fuids`, newest record of each first: the dashboard's tree. */
export function childrenOf(index: ResultsIndex, fuids: string[]): ResultRecord[] {
  if (fuids.length === 0) return [];
  const rows = index.db.prepare('SELECT record FROM records WHERE parent_fuid IN (SELECT value FROM json_each(?)) ORDER BY ts DESC, id DESC').all(JSON.stringify(fuids)) as Array<{ record: string }>;
  return rows.map((row) => JSON.parse(row.record) as ResultRecord);
}
