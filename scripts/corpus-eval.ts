/**
 * Fast detection loop for rule work: runs the shipped analyzer in this
 * process over the corpus (or one type of it), archive members included as
 * the pipeline would take them, and prints each sample's verdict and rules,
 * then flagged/total per type. `npm run detections` is the real measure
 * (broapt scan with BroAPT names); this is for iterating.
 *
 *   node scripts/corpus-eval.ts [--type pe] [--label bad] [--misses] [--corpus DIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Report } from '../apps/lib/report.ts';
import { createShippedApp } from '../apps/shipped/analyse.ts';
import { corpusRoot, makeTempDir, mimeOf, unpackCorpus } from './corpus.ts';

const ORDER = ['clean', 'unknown', 'suspicious', 'malicious'];
const worst = (a: string, b: string) => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

const { values } = parseArgs({ options: { type: { type: 'string' }, label: { type: 'string' }, misses: { type: 'boolean' }, corpus: { type: 'string' } } });
const dir = makeTempDir('broapt-corpus-eval-');
const app = createShippedApp();
await app.prepare();

async function judge(file: string, depth: number): Promise<{ verdict: string; rules: string[] }> {
  const report = path.join(path.dirname(file), `${path.basename(file)}.report-${depth}.json`);
  const result: Report = await app.analyse(file, mimeOf(file), report);
  let verdict = result.verdict;
  const rules = result.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}(${f.severity[0]})`);
  const children = (result.details.children as Array<{ path: string; member: string }> | undefined) ?? [];
  for (const child of depth < 4 ? children.slice(0, 50) : []) {
    const inner = await judge(path.join(report.slice(0, -'.json'.length) + '.children', child.path), depth + 1);
    verdict = worst(verdict, inner.verdict);
    if (inner.rules.length > 0) rules.push(`[${child.member}: ${inner.rules.join(' ')}]`);
  }
  return { verdict, rules };
}

try {
  const files = unpackCorpus(corpusRoot(values.corpus), dir, (f) => (values.type === undefined || f.type === values.type) && (values.label === undefined || f.label === values.label));
  const totals = new Map<string, { bad: number; flagged: number; benign: number; fp: number; fpMalicious: number }>();
  for (const sample of files) {
    // Benign files sit in the corpus: copy them so reports and children land in the temp folder.
    let file = sample.file;
    if (sample.label === 'benign') {
      file = path.join(dir, 'benign', sample.sha256.slice(0, 16), sample.name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(sample.file, file);
    }
    const started = performance.now();
    const { verdict, rules } = await judge(file, 0);
    const flagged = verdict === 'suspicious' || verdict === 'malicious';
    const t = totals.get(sample.type) ?? { bad: 0, flagged: 0, benign: 0, fp: 0, fpMalicious: 0 };
    if (sample.label === 'benign') (t.benign++, (t.fp += flagged ? 1 : 0), (t.fpMalicious += verdict === 'malicious' ? 1 : 0));
    else (t.bad++, (t.flagged += flagged ? 1 : 0));
    totals.set(sample.type, t);
    const miss = sample.label === 'benign' ? flagged : !flagged;
    if (!values.misses || miss) console.log(`${miss ? 'MISS' : 'ok  '} ${sample.label.padEnd(10)} ${sample.entry.padEnd(60)} ${verdict.padEnd(10)} ${Math.round(performance.now() - started)}ms ${rules.join(' ')}`);
  }
  console.log('\ntype      flagged/bad   benign flagged (malicious)');
  for (const [type, t] of [...totals].sort()) console.log(`${type.padEnd(9)} ${`${t.flagged}/${t.bad}`.padEnd(13)} ${t.fp}/${t.benign} (${t.fpMalicious})`);
} finally {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
