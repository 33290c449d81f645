import fs from 'node:fs';
import readline from 'node:readline';
import type { Analyzer } from './analyzer.ts';
import { makeReport, type Report } from './report.ts';
import { loadSample } from './sample.ts';

/** Analyses one file; `mime` is the type broapt matched (Zeek's, from the name); `report` is the file's `$BROAPT_REPORT`, if any. */
export type Analyse = (file: string, mime: string, report?: string) => Promise<Report>;

export interface AppMain {
  name: string;
  analyse: Analyse;
  /** Problems that make the app unusable (a rule that does not compile); empty when it is ready. */
  check?: () => Promise<string[]>;
  /** Work done once before the first file (compile rules); warm mode pays it once per process. */
  prepare?: () => Promise<void>;
  /** What `--check` adds to its ok line (which engine is in use); asked only when check found no problem. */
  about?: () => Promise<string>;
}

/** Where unpacked members go: beside the report (warm requests name one per file), else `$BROAPT_CHILDREN`. */
export function childrenDirOf(report: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (report?.endsWith('.json')) return `${report.slice(0, -'.json'.length)}.children`;
  return env.BROAPT_CHILDREN || undefined;
}

/** One analyzer as an app of its own: the file is read and hashed, then handed to the analyzer. */
export function analyzerApp(analyzer: Analyzer): AppMain {
  return {
    name: analyzer.name,
    async analyse(file, mime, report) {
      const sample = await loadSample(file, { mime, childrenDir: childrenDirOf(report) });
      const analysis = await analyzer.analyse(sample);
      return makeReport(analyzer.name, analysis.findings, { ...analysis.details, ...(analysis.children ? { children: analysis.children } : {}) });
    },
  };
}

/**
 * The three ways broapt runs a shipped app:
 * - `app.ts --check`: prints each problem and exits 1 when there is one (api.yml `check`);
 * - one-shot (default): analyses `argv[2]` or `$BROAPT_PATH` and writes the report to
 *   `$BROAPT_REPORT`, or prints it as one JSON line without it;
 * - warm (`BROAPT_WARM=1`): reads `{"path","mime","report"}` lines on stdin and answers
 *   each with one report line on stdout, so start-up and rule loading are paid once.
 */
export async function runApp(app: AppMain): Promise<void> {
  if (process.argv.includes('--check')) {
    const problems = (await app.check?.()) ?? [];
    for (const problem of problems) process.stdout.write(`${app.name}: ${problem}\n`);
    if (problems.length === 0) process.stdout.write(`${app.name}: ok${app.about ? ` (${await app.about()})` : ''}\n`);
    process.exitCode = problems.length === 0 ? 0 : 1;
    return;
  }
  await app.prepare?.();
  if (process.env.BROAPT_WARM === '1') return warm(app);
  const file = process.argv[2] ?? process.env.BROAPT_PATH;
  if (!file) {
    process.stderr.write(`${app.name}: give the file to analyse as argument or in BROAPT_PATH\n`);
    process.exitCode = 2;
    return;
  }
  const report = await app.analyse(file, process.argv[3] ?? process.env.BROAPT_MIME ?? '', process.env.BROAPT_REPORT || undefined);
  const text = JSON.stringify(report);
  if (process.env.BROAPT_REPORT) fs.writeFileSync(process.env.BROAPT_REPORT, `${text}\n`);
  else process.stdout.write(`${text}\n`);
}

async function warm(app: AppMain): Promise<void> {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let report: Report;
    try {
      const request = JSON.parse(line) as { path?: unknown; mime?: unknown; report?: unknown };
      if (typeof request.path !== 'string') throw new Error('the request has no "path"');
      report = await app.analyse(request.path, typeof request.mime === 'string' ? request.mime : '', typeof request.report === 'string' && request.report !== '' ? request.report : undefined);
    } catch (error) {
      // One bad file must not end a process that serves every file after it.
      report = { app: app.name, verdict: 'unknown', score: 0, findings: [{ rule: `${app.name}.error`, description: (error as Error).message, severity: 'low' }], details: {} };
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
}
