import path from 'node:path';
import type { ApiConfig, App } from '../api/app.ts';
import { matchApp } from '../api/match.ts';
import { resolveWorkdir } from '../api/workdir.ts';
import { makeEntry } from '../entry/make-entry.ts';
import type { RunnerKind } from '../runner/plan.ts';

/** One line of `broapt apps list`: an api.yml key, what it runs, how, and the files it would take. */
export interface AppRow {
  key: string;
  /** Folder of the app, relative to the API root when below it. */
  workdir: string;
  report: string;
  runner: RunnerKind;
  /** Files of the given paths this app would take. */
  files: string[];
}

/** Every app of api.yml (the default last, as it matches last), with the files it would take from `files`. */
export async function listApps(config: ApiConfig, defaultRunner: RunnerKind, files: string[]): Promise<AppRow[]> {
  const apps: App[] = [...config.apps, config.example];
  const rows = new Map(
    apps.map((app) => {
      const workdir = resolveWorkdir(config, app);
      const relative = path.relative(config.root, workdir);
      return [app, { key: app.key, workdir: relative.startsWith('..') ? workdir : relative || '.', report: app.report, runner: app.runner ?? defaultRunner, files: [] as string[] }];
    }),
  );
  for (const file of files) {
    const entry = await makeEntry(file).catch(() => undefined);
    if (entry !== undefined) rows.get(matchApp(config, entry.mime).app)!.files.push(file);
  }
  return [...rows.values()];
}
