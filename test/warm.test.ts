/**
 * Warm apps under each runner: the `report` process starts once per worker
 * and answers one JSON line per file; one that dies is started again and the
 * file retried like a failed command.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersOf, useContainerTests, ENGINE_ENV } from './helpers/container.ts';
import { broaptName, startCli, type Workspace } from './helpers/workspace.ts';

const containers = useContainerTests();

/** Counts its starts in $STATE; a request whose path holds "die" kills it, "hang" makes it stall; else it answers with the request's own fields. */
const WARM_APP = [
  'echo "$BROAPT_WARM $GREETING" >> "$STATE/starts"',
  'while IFS= read -r line; do',
  '  case "$line" in *die*) exit 1 ;; *hang*) sleep 600 ;; esac',
  '  printf \'{"verdict":"suspicious","score":7,"findings":[{"rule":"warm","description":"%s","severity":"low"}],"details":{}}\\n\' "$(echo "$line" | tr -d \'"\\\\\')"',
  'done',
].join('\n');

describe.each(['host', 'sandbox', 'container'])('warm app under %s', (runner) => {
  let ws: Workspace;
  let state: string;
  let records: Array<Record<string, unknown>>;
  let pid: number;

  beforeAll(async () => {
    ws = await containers.workspace();
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-warm-'));
    fs.chmodSync(state, 0o777);
    fs.writeFileSync(path.join(ws.api, 'warm.sh'), WARM_APP);
    fs.writeFileSync(
      path.join(ws.api, 'api.yml'),
      `example:
  workdir: ${ws.api}
  image: ${containers.image()}
  warm: true
  mounts: ['${state}:${state}:rw']
  environ:
    STATE: ${state}
    GREETING: hi
  timeout: 3
  report: sh warm.sh
`,
    );
    for (let i = 1; i <= 4; i++) fs.writeFileSync(path.join(ws.dump, broaptName(i, 'text/plain', 'txt')), `file ${i}`);
    fs.writeFileSync(path.join(ws.dump, `die-${broaptName(9, 'text/plain', 'txt')}`), 'poison');
    // A stuck warm container is the case a kill of its client does not end: checked there (each attempt waits out the timeout).
    if (runner === 'container') fs.writeFileSync(path.join(ws.dump, `hang-${broaptName(8, 'text/plain', 'txt')}`), 'stall');
    const cli = startCli(['scan', '--runner', runner, '--jobs', '1', '--max-retry', '2'], { ...ws.env, ...ENGINE_ENV });
    const result = await cli.done;
    if (result.code === 2) throw new Error(result.stderr);
    pid = cli.child.pid!;
    records = await ws.records();
  }, 60_000);

  afterAll(() => fs.rmSync(state, { recursive: true, force: true }));

  it('answers every file from one process, started with BROAPT_WARM=1 and the app environment', () => {
    const done = records.filter((record) => record.status === 'done');
    expect(done).toHaveLength(4);
    for (const record of done) {
      expect(record.verdict).toBe('suspicious');
      const [finding] = record.findings as Array<{ description: string }>;
      // The request: the file (staged copy under isolation keeps its name), its MIME and a report path.
      expect(finding!.description).toMatch(/path:.*F0000000000000000[1-4]\.test\.text\.plain\.txt.*mime:text\/plain.*report:/);
    }
    const starts = fs.readFileSync(path.join(state, 'starts'), 'utf8').trim().split('\n');
    expect(new Set(starts)).toEqual(new Set(['1 hi']));
    // One start for the good files, at most two more for each bad file's two attempts (cold: one per attempt).
    expect(starts.length, JSON.stringify(records.map((record) => [record.path, record.commands]))).toBeLessThanOrEqual(runner === 'container' ? 5 : 3);
  });

  it('restarts a warm process that dies, and fails the file after its attempts', () => {
    const poisoned = records.find((record) => String(record.path).includes('die-'))!;
    expect(poisoned.status).toBe('failed');
    expect((poisoned.commands as Array<{ attempts: number; error?: string }>)[0]).toMatchObject({ attempts: 2, error: expect.stringContaining('exited instead of answering') });
    if (runner === 'container') expect(containersOf(pid)).toEqual([]);
  });

  // Registered for the container runner only: the other runners have no containers to remove.
  if (runner === 'container') it('kills and removes a warm container that stalls past the timeout, and retries with a fresh one', () => {
    const stalled = records.find((record) => String(record.path).includes('hang-'))!;
    expect(stalled.status).toBe('failed');
    expect((stalled.commands as Array<{ attempts: number; timedOut: boolean }>)[0]).toMatchObject({ attempts: 2, timedOut: true });
    expect(containersOf(pid)).toEqual([]);
  });
});
