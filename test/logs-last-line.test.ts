import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from './helpers/workspace.ts';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-last-line-'));
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

/** JSON logs as tools other than Zeek write them: the last record is whole but has no newline after it. */
const NO_FINAL_NEWLINE = '{"ts":1.5,"fuid":"Fa"}\n{"ts":2.5,"fuid":"Fb"}';

describe('a JSON log whose last line has no newline', () => {
  test('logs cat prints its last record, with and without --lenient', async () => {
    const file = path.join(tmp, 'x.log');
    await writeFile(file, NO_FINAL_NEWLINE);
    for (const flags of [[], ['--lenient']]) {
      const result = await runCli(['logs', 'cat', ...flags, '--fields', 'fuid', file]);
      expect([result.code, result.stdout, result.stderr]).toEqual([0, 'Fa\nFb\n', '']);
    }
  });

  test('logs cat reports a last line that does not parse as still being written, after printing the records before it', async () => {
    const file = path.join(tmp, 'x.log');
    await writeFile(file, '{"ts":1.5,"fuid":"Fa"}\n{"ts":2.5,"fu');
    const result = await runCli(['logs', 'cat', '--fields', 'fuid', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('Fa\n');
    expect(result.stderr).toMatch(/x\.log:2: .*still being written/);
  });

  test('logs cat prints the records read before a malformed line', async () => {
    const file = path.join(tmp, 'x.log');
    await writeFile(file, '{"ts":1.5,"fuid":"Fa"}\n[1]\n{"ts":2.5,"fuid":"Fb"}\n');
    const result = await runCli(['logs', 'cat', '--fields', 'fuid', file]);
    expect([result.code, result.stdout]).toEqual([2, 'Fa\n']);
  });

  test('logs process reads such a files.log', async () => {
    await writeFile(
      path.join(tmp, 'files.log'),
      '{"ts":1.5,"fuid":"Fa","source":"HTTP","mime_type":"text/plain","extracted":"a.txt"}\n' +
        '{"ts":2.5,"fuid":"Fb","source":"HTTP","mime_type":"text/plain","extracted":"b.txt"}',
    );
    const result = await runCli(['logs', 'process', tmp, '--dump-path', tmp]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain('extracted-files: wrote');
  });
});
