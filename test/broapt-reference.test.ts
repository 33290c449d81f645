import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../source/api/load.ts';
import { resolveWorkdir } from '../source/api/workdir.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { REPO, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const REFERENCE = path.join(REPO, 'test', 'fixtures', 'broapt-reference');

/** The reference-shaped API root in the workspace, with every workdir but the one the deployment never created. */
async function referenceApiRoot(): Promise<string> {
  const root = path.join(ws().dir, 'api-reference');
  await fs.cp(REFERENCE, root, { recursive: true });
  const config = await loadApiConfig(root, { defaultTimeoutMs: 1000 });
  for (const app of [config.example, ...config.apps]) if (app.workdir !== 'AndroPyTool') await fs.mkdir(resolveWorkdir(config, app), { recursive: true });
  return root;
}

describe("BroAPT's own api.yml shape", () => {
  it('loads: 14 apps, anchors and merges resolved, workdirs under API_ROOT', async () => {
    const config = await loadApiConfig(REFERENCE, { defaultTimeoutMs: 1000 });
    expect(1 + config.apps.length).toBe(14);
    expect(config.apps.find((app) => app.key === 'application/vnd.ms-excel')).toMatchObject({ workdir: path.join(REFERENCE, 'office_analysis'), shared: 'office', environ: { ENGINE: 'office' } });
    expect(config.apps.find((app) => app.key === 'text/html')?.report).toBe('${PYTHON36} report.py');
  });

  it('is refused by default: a silently broken detector is worse', async (context) => {
    const extracted = path.join(requireFixtures(context), 'extracted');
    const result = await runCli(['scan', '--api-root', await referenceApiRoot(), extracted], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('vnd.android.package-archive/AndroPyTool');
    expect(await ws().readLines('processed.jsonl')).toEqual([]);
  });

  it('with --broken-apps skip, fails the files of the broken apps with the reason and runs the rest', async (context) => {
    const extracted = path.join(requireFixtures(context), 'extracted');
    const result = await runCli(['scan', '--broken-apps', 'skip', '--api-root', await referenceApiRoot(), extracted], ws().env);
    const records = await ws().records();
    const html = records.filter((record) => record.app === 'text/html');
    expect(html.length).toBeGreaterThan(0);
    for (const record of html) expect(record).toMatchObject({ status: 'failed', reason: expect.stringContaining('/usr/bin/python3.6') });
    const others = records.filter((record) => record.app !== 'text/html');
    expect(others.length).toBeGreaterThan(0);
    for (const record of others) expect(record.status).toBe('done');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/2 broken apps? skipped/);
    expect(result.stdout).toMatch(/application\/vnd\.android\.package-archive .*AndroPyTool does not exist/);
    expect(result.stdout).toMatch(/text\/html .*\/usr\/bin\/python3\.6/);
    process.stdout.write(`closing note: exit ${result.code}\n${result.stdout}\n`);
  });
});
