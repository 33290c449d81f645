import { describe, expect, it } from 'vitest';
import { MAX_MIMES, OTHER_MIME } from '../source/metrics/bounded.ts';
import { StatusBoard, THROUGHPUT_MINUTES } from '../source/metrics/board.ts';
import type { FileRecord } from '../source/pipeline/record.ts';

function record(i: number, fields: Partial<FileRecord> = {}): FileRecord {
  return {
    time: new Date(i * 1000).toISOString(),
    path: `/dump/HTTP-F${i}.text.plain.txt`,
    fuid: `F${i}`,
    protocol: 'HTTP',
    pcap: null,
    mime: 'text/plain',
    app: 'text/plain',
    matchedBy: 'exact',
    status: 'done',
    verdict: 'clean',
    score: 0,
    findings: [],
    commands: [],
    durationMs: 5,
    ...fields,
  };
}

describe('StatusBoard', () => {
  it('counts files per minute over the last minutes, the current one last', () => {
    let now = Date.UTC(2026, 10, 23, 12, 0, 30);
    const board = new StatusBoard(() => ({ queued: 2, running: 1 }), () => now);
    board.add(record(1));
    now += 60_000;
    board.add(record(2));
    board.add(record(3, { status: 'failed', reason: 'exit 3' }));
    const { throughput, counters } = board.snapshot();
    expect(counters).toEqual({ queued: 2, running: 1, completed: 2, failed: 1 });
    expect(throughput).toHaveLength(THROUGHPUT_MINUTES);
    expect(throughput.slice(-2).map((m) => m.files)).toEqual([1, 2]);
    expect(throughput.at(-1)!.minute).toBe('2026-11-23T12:01:00.000Z');
    now += THROUGHPUT_MINUTES * 60_000;
    expect(board.snapshot().throughput.every((m) => m.files === 0)).toBe(true);
  });

  it('keeps the latest 20 non-clean verdicts and failures, newest first, and bounds the MIME rows', () => {
    const board = new StatusBoard(() => ({ queued: 0, running: 0 }));
    const finding = { rule: 'eicar', description: 'EICAR test string', severity: 'high', app: 'text/plain' };
    for (let i = 0; i < 25; i++) board.add(record(i, { verdict: i % 2 ? 'malicious' : 'clean', score: i % 2 ? 100 : 0, findings: i % 2 ? [finding] : [] }));
    for (let i = 0; i < 25; i++) board.add(record(100 + i, { status: 'failed', reason: `reason ${i}` }));
    for (let i = 0; i < MAX_MIMES + 5; i++) board.add(record(200 + i, { mime: `application/x-${i}` }));
    const state = board.snapshot();
    expect(state.verdicts).toHaveLength(12);
    expect(state.verdicts[0]).toEqual({ time: record(23).time, name: 'HTTP-F23.text.plain.txt', path: '/dump/HTTP-F23.text.plain.txt', mime: 'text/plain', app: 'text/plain', verdict: 'malicious', score: 100, findings: [finding] });
    expect(state.failures).toHaveLength(20);
    expect(state.failures[0]!.reason).toBe('reason 24');
    expect(state.mimes).toHaveLength(MAX_MIMES + 1);
    expect(state.mimes[0]).toEqual({ mime: 'text/plain', done: 25, failed: 25, verdicts: { clean: 13, malicious: 12 } });
    expect(state.mimes.find((row) => row.mime === OTHER_MIME)).toEqual({ mime: OTHER_MIME, done: 6, failed: 0, verdicts: { clean: 6 } });
  });

  it('tells its listeners about every change', () => {
    const board = new StatusBoard(() => ({ queued: 0, running: 0 }));
    let calls = 0;
    const off = board.onChange(() => calls++);
    board.add(record(1));
    board.changed();
    off();
    board.add(record(2));
    expect(calls).toBe(2);
  });
});
