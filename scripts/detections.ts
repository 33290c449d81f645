/**
 * The detection table on the labelled corpus (../shared/corpus or
 * BROAPT_CORPUS): unpacks every sample into a temporary folder, lays it out
 * twice, under BroAPT names (MIME from `file --mime-type`, as Zeek would name
 * the extracted file) and under its original name, runs `broapt scan` with the
 * shipped apps over each, and prints per type: bad and suspicious samples
 * flagged (suspicious or malicious), benign ones called malicious or
 * suspicious, failed files and the rate. An archive's verdict includes its
 * members'. ClamAV goes through a private clamd with the scan's databases,
 * started here, as a deployment runs one (--no-clamd: clamscan per file).
 * The temporary folder is removed unless --keep.
 *
 *   node scripts/detections.ts [--type pe] [--jobs 2] [--keep] [--corpus DIR] [--api-root DIR] [--no-clamd]
 *
 * --api-root measures other apps than the shipped ones (e.g. an older apps/ folder).
 *
 * Exit 1 when a file failed or a target is missed (85% flagged overall and 70%
 * per type, no benign file malicious, at most 5% of benign suspicious).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startClamd } from '../apps/example/clamd-server.ts';
import { childFuid } from '../source/report/children.ts';
import { corpusRoot, makeTempDir, mimesOf, unpackCorpus, type CorpusFile } from './corpus.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));

export interface Placed {
  sample: CorpusFile;
  /** Where the scan finds it. */
  file: string;
}

export interface Tally {
  bad: number;
  flagged: number;
  benign: number;
  benignMalicious: number;
  benignSuspicious: number;
  failed: number;
}

/** `HTTP-F….corpus.application.pdf.pdf`: what Zeek's extraction script would name the file. */
export function broaptNameOf(sample: CorpusFile, mime: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(sample.name)?.[1]?.toLowerCase() ?? 'dat';
  return `HTTP-${childFuid('corpus', sample.sha256)}.corpus.${mime.replace('/', '.')}.${ext}`;
}

function place(samples: CorpusFile[], dump: string, naming: 'broapt' | 'original'): Placed[] {
  const mimes = naming === 'broapt' ? mimesOf(samples.map((s) => s.file)) : [];
  return samples.map((sample, i) => {
    const file = naming === 'broapt' ? path.join(dump, broaptNameOf(sample, mimes[i]!)) : path.join(dump, sample.sha256.slice(0, 16), sample.name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(sample.file, file);
    return { sample, file };
  });
}

export function tally(placed: Placed[], records: Map<string, Record<string, unknown>>): Map<string, Tally> {
  const totals = new Map<string, Tally>();
  for (const { sample, file } of placed) {
    const t = totals.get(sample.type) ?? { bad: 0, flagged: 0, benign: 0, benignMalicious: 0, benignSuspicious: 0, failed: 0 };
    totals.set(sample.type, t);
    const record = records.get(file);
    if (record?.status !== 'done') t.failed++;
    const verdict = record?.verdict;
    if (sample.label === 'benign') {
      t.benign++;
      if (verdict === 'malicious') t.benignMalicious++;
      if (verdict === 'suspicious') t.benignSuspicious++;
    } else {
      t.bad++;
      if (verdict === 'malicious' || verdict === 'suspicious') t.flagged++;
    }
  }
  return totals;
}

const pct = (n: number, d: number) => (d === 0 ? '   -' : `${((100 * n) / d).toFixed(0).padStart(3)}%`);

export function formatTally(totals: Map<string, Tally>): { text: string; all: Tally; weakest: number } {
  const all: Tally = { bad: 0, flagged: 0, benign: 0, benignMalicious: 0, benignSuspicious: 0, failed: 0 };
  const lines = ['type      flagged (bad+suspicious)   benign malicious   benign suspicious   failed'];
  let weakest = 1;
  const row = (name: string, t: Tally) =>
    `${name.padEnd(9)} ${`${t.flagged}/${t.bad}`.padStart(9)} ${pct(t.flagged, t.bad)}            ${`${t.benignMalicious}/${t.benign}`.padStart(7)}          ${`${t.benignSuspicious}/${t.benign}`.padStart(7)} ${pct(t.benignSuspicious, t.benign)}   ${String(t.failed).padStart(5)}`;
  for (const [type, t] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(row(type, t));
    for (const key of Object.keys(all) as Array<keyof Tally>) all[key] += t[key];
    if (t.bad > 0) weakest = Math.min(weakest, t.flagged / t.bad);
  }
  lines.push(row('all', all));
  return { text: lines.join('\n'), all, weakest };
}

function readRecords(logs: string): Map<string, Record<string, unknown>> {
  const file = path.join(logs, 'processed.jsonl');
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : [];
  return new Map(lines.map((line) => JSON.parse(line) as Record<string, unknown>).map((r) => [r.path as string, r]));
}

function scan(apiRoot: string, dump: string, logs: string, jobs: string, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.join(REPO, 'bin', 'broapt.js'), 'scan', '--jobs', jobs, '--api-root', apiRoot, '--logs-path', logs, '--log-level', 'error', dump], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BROAPT_API_ROOT: '', ...env },
  });
  if (result.status !== 0) process.stderr.write(`broapt scan of ${dump} exited ${result.status}\n`);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { type: { type: 'string' }, jobs: { type: 'string', default: '2' }, keep: { type: 'boolean' }, corpus: { type: 'string' }, 'api-root': { type: 'string' }, 'no-clamd': { type: 'boolean' } } });
  const root = corpusRoot(values.corpus);
  if (!fs.existsSync(path.join(root, 'labels.csv'))) {
    process.stderr.write(`detections: no labelled corpus at ${root} (labels.csv); give --corpus DIR or BROAPT_CORPUS\n`);
    return 2;
  }
  const dir = makeTempDir('broapt-detections-');
  let ok = true;
  const clamd = values['no-clamd'] || process.env.SCAN_CLAMD ? undefined : await startClamd().catch((error: Error) => void process.stderr.write(`no private clamd (${error.message.split('\n')[0]}): clamscan per file\n`));
  const env = clamd ? { SCAN_CLAMD: clamd.socket } : {};
  process.stdout.write(`ClamAV: ${clamd ? `a private clamd (${clamd.socket})` : process.env.SCAN_CLAMD ? `SCAN_CLAMD=${process.env.SCAN_CLAMD}` : 'clamscan per file'}\n`);
  try {
    process.stderr.write(`unpacking the corpus into ${dir} …\n`);
    const samples = unpackCorpus(root, path.join(dir, 'samples'), (f) => values.type === undefined || f.type === values.type);
    for (const naming of ['broapt', 'original'] as const) {
      const dump = path.join(dir, naming, 'dump');
      const logs = path.join(dir, naming, 'logs');
      const placed = place(samples, dump, naming);
      const seconds = scan(path.resolve(values['api-root'] ?? path.join(REPO, 'apps')), dump, logs, values.jobs, env);
      const records = readRecords(logs);
      const { text, all, weakest } = formatTally(tally(placed, records));
      const members = records.size - placed.length;
      process.stdout.write(
        `\n${naming === 'broapt' ? 'Under BroAPT names (MIME from file --mime-type)' : 'Under their original names (MIME sniffed by broapt)'}: ${placed.length} files (+${members} archive members) in ${seconds.toFixed(1)} s, ${(placed.length / seconds).toFixed(1)} files/s\n${text}\n`,
      );
      const met = all.failed === 0 && all.flagged / all.bad >= 0.85 && weakest >= 0.7 && all.benignMalicious === 0 && all.benignSuspicious <= 0.05 * all.benign;
      process.stdout.write(`targets (≥85% flagged, ≥70% per type, 0 benign malicious, ≤5% benign suspicious, 0 failed): ${met ? 'met' : 'NOT met'}\n`);
      ok &&= met;
    }
  } finally {
    await clamd?.stop();
    if (values.keep) process.stderr.write(`kept ${dir}: it holds live malware samples; delete it when done\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  return ok ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
