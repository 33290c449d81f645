import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZeekLog } from '../source/zeek/read.ts';
import { addSample, EICAR_API, EICAR_HASHES, fuidOf } from './helpers/alerts.ts';
import { REPO, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const SNIPPET = path.join(REPO, 'zeek', 'broapt', 'intel-feedback.zeek');

async function readIntel(file: string) {
  const records = [];
  for await (const record of readZeekLog(file)) records.push(record);
  return records;
}

describe('Zeek Intel feedback', () => {
  it('keeps the md5, sha1 and sha256 of each alerting file as Intel::FILE_HASH, once each, in a file our Zeek reader parses', async () => {
    await ws().writeApi(EICAR_API);
    const intel = path.join(ws().dir, 'intel', 'intel.dat');
    const env = { ...ws().env, BROAPT_INTEL_FILE: intel };
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, false);
    expect((await runCli(['scan'], env)).code).toBe(0);
    // The same content again under another fuid: no new indicator.
    await addSample(ws(), 3, true);
    expect((await runCli(['scan'], env)).code).toBe(0);

    const text = await fs.readFile(intel, 'utf8');
    expect(text).toContain('#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n');
    const records = await readIntel(intel);
    expect(records.map((record) => record.indicator).sort()).toEqual(Object.values(EICAR_HASHES).sort());
    for (const record of records) {
      expect(record).toMatchObject({ indicator_type: 'Intel::FILE_HASH', 'meta.source': 'broapt', 'meta.url': null });
      expect(record['meta.desc']).toContain(fuidOf(1));
      expect(record['meta.desc']).toContain('eicar_test_file');
    }
    // Rewritten through a rename: no temporary file is left beside it.
    expect(await fs.readdir(path.dirname(intel))).toEqual(['intel.dat']);
  });

  it('ships the snippet that loads the Intel framework and reads the file', async () => {
    const lines = (await fs.readFile(SNIPPET, 'utf8')).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines).toEqual(['@load frameworks/intel/seen', 'redef Intel::read_files += { "/srv/broapt/logs/intel.dat" };']);
  });
});
