import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, problems, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('install', () => {
  it('runs once per shared key across 4 workers, however many files and apps share it', async () => {
    const counter = path.join(ws().dir, 'installs');
    await ws().writeApi(`
example:
  report: "true"
application:
  vnd.ms-excel: &office
    shared: office
    install:
      - sleep 0.3
      - echo installed >> "$COUNTER"
    report: test -s "$COUNTER"
  msword: *office
`);
    for (let i = 0; i < 24; i++) {
      const [mime, ext] = i % 2 ? ['application/vnd.ms-excel', 'xls'] : ['application/msword', 'doc'];
      await ws().addFile(broaptName(i, mime, ext));
    }
    const result = await runCli(['scan', '--jobs', '4'], { ...ws().env, COUNTER: counter });
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    expect((await fs.readFile(counter, 'utf8')).split('\n').filter(Boolean)).toEqual(['installed']);
    const records = await ws().records();
    expect(records).toHaveLength(24);
    expect(records.every((r) => r.status === 'done')).toBe(true);
    // Exactly one file carries the install commands in its record.
    expect(records.filter((r) => (r.commands as Array<{ phase: string }>).some((c) => c.phase === 'install'))).toHaveLength(1);
  });

  it('tries a failed install again on the next file of the key', async () => {
    const counter = path.join(ws().dir, 'attempts');
    await ws().writeApi(`
example:
  report: "true"
application:
  pdf:
    install:
      - echo try >> "$COUNTER"; test "$(wc -l < "$COUNTER")" -ge 2
    report: "true"
`);
    for (let i = 0; i < 3; i++) await ws().addFile(broaptName(i));
    const result = await runCli(['scan', '--jobs', '1', '--max-retry', '1'], { ...ws().env, COUNTER: counter });
    expect(result.code).toBe(1);
    const records = await ws().records();
    expect(records.map((r) => r.status)).toEqual(['failed', 'done', 'done']);
    expect(records[0]!.reason).toMatch(/install of "application\/pdf" failed/);
    expect((await fs.readFile(counter, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    expect(await ws().readLines('fail.log')).toHaveLength(1);
    expect(await ws().readLines('dump.log')).toHaveLength(2);
  });
});
