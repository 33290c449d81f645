import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../source/api/load.ts';
import { matchApp } from '../source/api/match.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const API = 'example:\n  report: ":"\napplication:\n  vnd.ms-*:\n    report: test -f marker\n';

describe("a glob app's working directory", () => {
  it('is <media>/<pattern> when that folder exists', async () => {
    await ws().writeApi(API);
    const config = await loadApiConfig(ws().api, { defaultTimeoutMs: 1000 });
    expect(matchApp(config, mimeOf('application/vnd.ms-excel')).workdir).toBe(path.join(ws().api, 'application', 'vnd.ms-*'));
  });

  it("falls back to the matched type's own <media>/<subtype> folder, the reference's layout", async () => {
    await ws().writeApi(API, { workdirs: false });
    for (const subtype of ['vnd.ms-excel', 'vnd.ms-powerpoint']) await fs.mkdir(path.join(ws().api, 'application', subtype), { recursive: true });
    await fs.writeFile(path.join(ws().api, 'application', 'vnd.ms-excel', 'marker'), '');
    const config = await loadApiConfig(ws().api, { defaultTimeoutMs: 1000 });
    expect(matchApp(config, mimeOf('application/vnd.ms-excel')).workdir).toBe(path.join(ws().api, 'application', 'vnd.ms-excel'));
    expect(matchApp(config, mimeOf('application/vnd.ms-powerpoint')).workdir).toBe(path.join(ws().api, 'application', 'vnd.ms-powerpoint'));

    await ws().addFile(broaptName(1, 'application/vnd.ms-excel', 'xls'), 'x');
    await ws().addFile(broaptName(2, 'application/vnd.ms-powerpoint', 'ppt'), 'x');
    const result = await runCli(['scan'], ws().env);
    const byMime = Object.fromEntries((await ws().records()).map((record) => [record.mime, record.status]));
    // The marker is in the excel folder only: each file ran in its own type's folder.
    expect(byMime).toEqual({ 'application/vnd.ms-excel': 'done', 'application/vnd.ms-powerpoint': 'failed' });
    expect(result.code).toBe(1);
  });

  it('is missing when neither the pattern folder nor any matching type folder exists', async () => {
    await ws().writeApi(API, { workdirs: false });
    await fs.mkdir(path.join(ws().api, 'application', 'pdf'), { recursive: true });
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('vnd.ms-*');
  });
});
