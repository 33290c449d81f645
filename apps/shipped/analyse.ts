/**
 * The shipped app: one process that takes file after file (api.yml
 * `warm: true`), reads and hashes each once, runs the generic scan (YARA,
 * ClamAV, MIME against content) and every type analyzer that accepts the file
 * by its content, and answers one report. A zip that declares more members
 * than ARCHIVE_MAX_MEMBERS is not handed to ClamAV. The type analyzers run contained
 * (a thread with a heap cap and a time budget), so their failure never costs
 * the generic scan's findings.
 *   ANALYZER_TIMEOUT [60 s]  ANALYZER_MEMORY_MB [1024]  and the generic scan's variables
 */
import { fileURLToPath } from 'node:url';
import type { Child } from '../lib/analyzer.ts';
import { makeReport, type Finding } from '../lib/report.ts';
import { childrenDirOf, runApp, type AppMain } from '../lib/run-app.ts';
import { loadSample } from '../lib/sample.ts';
import { crowdedZip } from '../archive/declared.ts';
import { limitsFrom } from '../archive/listing.ts';
import { createGenericAnalyzer } from '../example/scan.ts';
import { ContainedAnalyzers, containedOptionsFrom, type ContainedOptions } from './contained.ts';

export function createShippedApp(env: NodeJS.ProcessEnv = process.env, options: Partial<ContainedOptions> = {}): AppMain & { prepare(): Promise<void>; check(): Promise<string[]>; close(): Promise<void> } {
  const generic = createGenericAnalyzer(env);
  const contained = new ContainedAnalyzers({ ...containedOptionsFrom(env), ...options });
  const archiveLimits = limitsFrom(env);
  return {
    name: 'broapt',
    prepare: () => generic.prepare(),
    check: () => generic.check(),
    notes: () => generic.notes(),
    close: () => contained.close(),
    async analyse(file, mime, report) {
      const sample = await loadSample(file, { mime, childrenDir: childrenDirOf(report, env) });
      // Cheap limits before expensive tools: ClamAV unpacks a zip's members one by one, minutes for 100,000 of them.
      const skipClamav = crowdedZip(sample.bytes, archiveLimits)?.why;
      const [scan, types] = await Promise.all([generic.analyse(sample, { skipClamav }), contained.run(sample)]);
      const findings: Finding[] = [...scan.findings];
      const details: Record<string, unknown> = { ...scan.details, analyzers: types.map((t) => t.name) };
      const children: Child[] = [];
      for (const result of types) {
        if (result.error !== undefined) {
          findings.push({ rule: `${result.name}.error`, description: result.error, severity: 'low' });
          continue;
        }
        findings.push(...result.analysis!.findings);
        if (result.analysis!.details) details[result.name] = result.analysis!.details;
        children.push(...(result.analysis!.children ?? []));
      }
      if (children.length > 0) details.children = children;
      return makeReport('broapt', findings, details);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(createShippedApp());
