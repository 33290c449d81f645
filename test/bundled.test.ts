import { describe, expect, it } from 'vitest';
import { startBundled } from '../bundled/scanner.ts';
import { resolveSettings } from '../source/settings.ts';
import { broaptName, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('bundled scanner', () => {
  it('analyses a file Zeek names by its local name, once, and tells what would run for a path', async () => {
    await ws().writeApi(`
example:
  report: "true"
application:
  pdf:
    report: test -s "$BROAPT_PATH"
`);
    const name = broaptName(1, 'application/pdf', 'pdf', 'capture-1');
    const file = await ws().addFile(name, '%PDF-1.4');
    const settings = resolveSettings({ dumpPath: ws().dump, apiRoot: ws().api, logsPath: ws().logs, jobs: '1' }, {});
    const bundled = await startBundled(settings);
    try {
      const found = await bundled.lookup(file);
      expect(found).toMatchObject({ match: { reason: 'exact' }, runner: 'host', entry: { pcap: 'capture-1', fuid: 'F00000000000000001' } });
      expect(found.match.app.key).toBe('application/pdf');

      const record = await bundled.scan(name);
      expect(record).toMatchObject({ path: file, status: 'done', app: 'application/pdf', pcap: 'capture-1' });
      // Already in the history: nothing runs twice.
      expect(await bundled.scan(name)).toBeUndefined();
      // Not a regular file: reported, not analysed.
      expect(await bundled.scan('no-such-file')).toBeUndefined();
      // Nothing outside the dump folder is taken.
      expect(() => bundled.scan('../api/api.yml')).toThrow(/outside the dump folder/);
      // Two callers of one file share its single run.
      const second = broaptName(2, 'application/pdf', 'pdf', 'capture-1');
      await ws().addFile(second, '%PDF-1.4');
      const [a, b] = await Promise.all([bundled.scan(second), bundled.scan(second)]);
      expect(a).toBe(b);
      expect(a).toMatchObject({ status: 'done' });
    } finally {
      await bundled.close();
    }
    expect(await ws().readLines('dump.log')).toHaveLength(2);
  });
});
