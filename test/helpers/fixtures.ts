import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The shared fixtures folder, if present: BROAPT_FIXTURES (relative to the repo root) or ../shared/fixtures. */
export function fixturesDir(): string | undefined {
  const dir = path.resolve(repoRoot, process.env.BROAPT_FIXTURES ?? '../shared/fixtures');
  return existsSync(dir) ? dir : undefined;
}

/**
 * Call at the start of a test that reads fixtures: returns the folder, skips the
 * test when it is missing, and fails it instead under CI, where a skip would hide
 * that nothing was tested.
 */
export function requireFixtures(context: Pick<TestContext, 'skip'>): string {
  const dir = fixturesDir();
  if (dir !== undefined) return dir;
  const hint = 'fixtures folder not found: set BROAPT_FIXTURES or check out ../shared/fixtures';
  if (process.env.CI === 'true') throw new Error(hint);
  return context.skip(hint);
}

/** The labelled corpus folder (BROAPT_CORPUS or ../shared/corpus): like requireFixtures, a skip here, a failure under CI. */
export function requireCorpus(context: Pick<TestContext, 'skip'>): string {
  const dir = path.resolve(repoRoot, process.env.BROAPT_CORPUS ?? '../shared/corpus');
  if (existsSync(path.join(dir, 'labels.csv'))) return dir;
  const hint = 'labelled corpus not found: set BROAPT_CORPUS or check out ../shared/corpus';
  if (process.env.CI === 'true') throw new Error(hint);
  return context.skip(hint);
}
