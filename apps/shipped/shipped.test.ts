import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eicar } from '../../source/demo/samples.ts';
import { manyEntryZip } from '../archive/fixture.ts';
import { createShippedApp } from './analyse.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-shipped-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = () => ({ ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache'), SCAN_CLAMAV_DB: 'off' });

describe('the shipped analyzer', () => {
  it('keeps the generic findings when the type analysis loops, and serves the next file with a fresh thread', async () => {
    const file = path.join(dir, 'eicar.txt');
    fs.writeFileSync(file, eicar());
    const app = createShippedApp(env(), { timeoutMs: 500, worker: new URL('./misbehaving/loop.ts', import.meta.url) });
    try {
      for (let round = 0; round < 2; round++) {
        const report = await app.analyse(file, 'text/plain');
        expect(report.verdict).toBe('malicious');
        expect(report.findings.map((f) => f.rule)).toEqual(['yara.eicar_test_file', 'analyzer.error']);
        expect(report.findings[1]!.description).toMatch(/took longer than 0.5 s/);
      }
    } finally {
      await app.close();
    }
  });

  it('keeps the generic findings when the type analysis runs out of its heap cap', async () => {
    const file = path.join(dir, 'eicar2.txt');
    fs.writeFileSync(file, eicar());
    const app = createShippedApp(env(), { memoryMb: 32, worker: new URL('./misbehaving/hog.ts', import.meta.url) });
    try {
      const report = await app.analyse(file, 'text/plain');
      expect(report.findings.map((f) => f.rule)).toEqual(['yara.eicar_test_file', 'analyzer.error']);
      expect(report.findings[1]!.description).toMatch(/crashed|ended/);
    } finally {
      await app.close();
    }
  });

  it('flags a zip whose central directory holds more members than ARCHIVE_MAX_MEMBERS before ClamAV or 7z spend time on them', async () => {
    const file = path.join(dir, 'crowded.zip');
    fs.writeFileSync(file, manyEntryZip(1500));
    // ClamAV on: the shipped databases, no clamd, as a host without the daemon runs it.
    const app = createShippedApp({ ...env(), SCAN_CLAMAV_DB: '', SCAN_CLAMD: 'off', ARCHIVE_MAX_MEMBERS: '1000' });
    try {
      const report = await app.analyse(file, 'application/zip');
      expect(report.verdict).toBe('suspicious');
      expect(report.findings.map((f) => f.rule)).toContain('archive.bomb.members');
      expect(report.details.clamav).toBe('skipped: the central directory declares 1500 members, more than ARCHIVE_MAX_MEMBERS=1000');
      expect(report.details.archive).toMatchObject({ members: 1500, listed: false });
    } finally {
      await app.close();
    }
  });

  it('hands each file to the analyzers that recognise its content, whatever MIME Zeek gave', async () => {
    const file = path.join(dir, 'true.txt');
    fs.copyFileSync('/usr/bin/true', file);
    const app = createShippedApp(env());
    try {
      const report = await app.analyse(file, 'text/plain');
      expect(report.details.analyzers).toContain('elf');
      expect(report.findings.map((f) => f.rule)).toContain('mime.executable-disguised');
      expect(report.details).toMatchObject({ size: fs.statSync('/usr/bin/true').size, realMime: expect.stringMatching(/^application\/x-(pie-)?(executable|sharedlib)$/) });
    } finally {
      await app.close();
    }
  });
});
