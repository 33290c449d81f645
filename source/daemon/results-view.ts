import path from 'node:path';
import { MAX_CHILD_DEPTH } from '../report/children.ts';
import { VERDICTS } from '../report/report.ts';
import type { ResultsIndex } from '../results/index.ts';
import { childrenOf, countResults, queryResults, type ResultFilter, type ResultRecord } from '../results/query.ts';
import { RequestError } from './scan-request.ts';

/** Rows per page of the Results page, and the most one request may ask for. */
const PAGE = 50;
const MAX_PAGE = 500;

/** What the Results page shows of a file: its identity, verdict and findings, and the members unpacked from it. */
export interface ResultView {
  time: string;
  fuid: string;
  name: string;
  path: string;
  archivePath: string | null;
  mime: string;
  realMime: string | null;
  sha256: string | null;
  status: string;
  reason: string | null;
  verdict: string | null;
  score: number | null;
  findings: unknown[];
  children: ResultView[];
}

function viewOf(record: ResultRecord, children: ResultView[]): ResultView {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    time: record.time,
    fuid: record.fuid,
    name: path.basename(String(record.path ?? '')),
    path: String(record.path ?? ''),
    archivePath: text(record.archivePath),
    mime: String(record.mime ?? ''),
    realMime: text(record.realMime),
    sha256: text(record.sha256),
    status: record.status,
    reason: text(record.reason),
    verdict: text(record.verdict),
    score: typeof record.score === 'number' ? record.score : null,
    findings: Array.isArray(record.findings) ? record.findings : [],
    children,
  };
}

/** The views of `records`, each with its unpacked members as a tree, as deep as unpacking goes. */
function withChildren(index: ResultsIndex, records: ResultRecord[], depth: number): ResultView[] {
  const members = depth < MAX_CHILD_DEPTH ? childrenOf(index, records.map((record) => record.fuid).filter(Boolean)) : [];
  const views = members.length > 0 ? withChildren(index, members, depth + 1) : [];
  const byParent = new Map<string, ResultView[]>();
  members.forEach((member, i) => {
    const list = byParent.get(String(member.parentFuid)) ?? [];
    list.push(views[i]!);
    byParent.set(String(member.parentFuid), list);
  });
  return records.map((record) => viewOf(record, byParent.get(record.fuid) ?? []));
}

function whole(text: string | null, name: string, fallback: number, max: number): number {
  if (text === null) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new RequestError(400, 'E_BAD_QUERY', `${name} must be a whole number from 0 to ${max}`);
  return Number(text);
}

/**
 * `GET /api/v1.0/results?verdict=V&limit=N&offset=N`: the records of the
 * daemon's logs folder, newest first, from the results index (caught up first).
 */
export function resultsPage(index: ResultsIndex, query: URLSearchParams) {
  const verdict = query.get('verdict');
  if (verdict !== null && verdict !== '' && !(VERDICTS as readonly string[]).includes(verdict)) {
    throw new RequestError(400, 'E_BAD_QUERY', `verdict must be one of ${VERDICTS.join(', ')}`);
  }
  const filter: ResultFilter = verdict ? { verdicts: [verdict] } : {};
  const limit = whole(query.get('limit'), 'limit', PAGE, MAX_PAGE);
  const offset = whole(query.get('offset'), 'offset', 0, Number.MAX_SAFE_INTEGER);
  index.catchUp();
  const records = queryResults(index, { ...filter, limit, offset });
  return { total: countResults(index, filter), offset, limit, results: withChildren(index, records, 0) };
}
