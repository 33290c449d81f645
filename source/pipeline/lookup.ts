import path from 'node:path';
import type { ApiConfig, AppMatch } from '../api/app.ts';
import { matchApp } from '../api/match.ts';
import type { Entry } from '../entry/entry.ts';
import { makeEntry } from '../entry/make-entry.ts';
import { sniffMime } from '../entry/sniff.ts';
import { fileEnvironment } from '../pool/task.ts';
import { logFolderOf } from '../runner/api-logs.ts';
import type { RunnerKind } from '../runner/plan.ts';
import type { FileRecord } from './record.ts';
import type { Session } from './session.ts';
import { UsageError } from '../errors.ts';

/** Everything broapt would do with a file, decided without running anything. */
export interface Lookup {
  entry: Entry;
  /** MIME from the file's content (may differ from the name's). */
  contentMime: string;
  match: AppMatch;
  /** `runner:` of the app, else the run's default. */
  runner: RunnerKind;
  /** API log folder (reference layout). */
  logFolder: string;
  /** Variables the commands get on top of the process environment. */
  environment: Record<string, string>;
  commands: { install: string[]; scripts: string[]; report: string };
}

export async function lookup(config: ApiConfig, file: string, defaultRunner: RunnerKind = 'host'): Promise<Lookup> {
  const entry = await makeEntry(path.resolve(file));
  const match = matchApp(config, entry.mime);
  const app = match.app;
  return {
    entry,
    // Only BroAPT names take their MIME from the name; the others were sniffed already.
    contentMime: entry.scheme === 'broapt' ? await sniffMime(entry.path) : entry.mime.name,
    match,
    runner: app.runner ?? defaultRunner,
    logFolder: logFolderOf(match, entry.mime),
    environment: { ...app.environ, ...fileEnvironment(entry) },
    commands: { install: app.install, scripts: app.scripts, report: app.report },
  };
}

/**
 * The bundled process's view of the core (reference `scan(local_name)`): Zeek
 * names a file it extracted into the dump folder, and the core analyses it.
 */
export function bundledScanner(session: Session) {
  const root = path.resolve(session.settings.dumpPath);
  return {
    lookup: (file: string) => lookup(session.config, file, session.settings.runner),
    /**
     * Analyse `<DUMP_PATH>/<localName>` and resolve with its record; undefined when
     * it was already processed, is not a regular file, or a stop gave it back.
     */
    scan(localName: string): Promise<FileRecord | undefined> {
      const file = path.resolve(root, localName);
      if (path.relative(root, file).startsWith('..') || path.isAbsolute(path.relative(root, file))) {
        throw new UsageError(`${JSON.stringify(localName)} is outside the dump folder ${root}; name files relative to it.`, 'E_OUTSIDE_DUMP');
      }
      return session.processor.process(file);
    },
  };
}
