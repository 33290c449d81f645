import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { History } from '../source/history/history.ts';
import { pathHash, PathSet } from '../source/history/path-set.ts';

/** Every path hashes alike: each lookup must read lines back to tell them apart. */
const collide = () => 7;

/** A PathSet over an in-memory "log": offset i is line i. */
function memorySet(hash?: (path: string) => number): { set: PathSet; add(path: string): boolean; reads: () => number } {
  const lines: string[] = [];
  let reads = 0;
  const set = new PathSet((offset) => {
    reads++;
    return lines[offset];
  }, hash);
  return {
    set,
    add(file) {
      lines.push(file);
      return set.add(file, lines.length - 1);
    },
    reads: () => reads,
  };
}

const SIBLINGS = ['/dump/application/pdf/a.pdf', '/dump/application/pdf/b.pdf', '/dump/application/pdf/', '/dump/application/pdfa.pdf', '/dump/application/pdf/a.pdf/'];

describe('PathSet', () => {
  it('answers exactly for paths that share folders', () => {
    const { set, add } = memorySet();
    for (const file of SIBLINGS.slice(0, 2)) expect(add(file)).toBe(true);
    expect(add(SIBLINGS[0]!)).toBe(false);
    expect(set.size).toBe(2);
    expect(SIBLINGS.map((file) => set.has(file))).toEqual([true, true, false, false, false]);
  });

  it('never makes a path a member through a hash collision', () => {
    const { set, add, reads } = memorySet(collide);
    for (const file of SIBLINGS.slice(0, 3)) add(file);
    expect(SIBLINGS.map((file) => set.has(file))).toEqual([true, true, true, false, false]);
    expect(reads()).toBeGreaterThan(0);
    expect(set.delete('/dump/application/pdf/b.pdf')).toBe(true);
    expect(set.delete('/dump/application/pdf/b.pdf')).toBe(false);
    expect(SIBLINGS.map((file) => set.has(file))).toEqual([true, false, true, false, false]);
    expect(set.size).toBe(2);
  });

  it('keeps members through growth and deletions', () => {
    const { set, add } = memorySet();
    const files = Array.from({ length: 5000 }, (_, index) => `/dump/text/plain/${index}.txt`);
    for (const file of files) add(file);
    for (const file of files.filter((_, index) => index % 3 === 0)) set.delete(file);
    for (let index = 0; index < 2000; index++) add(`/dump/image/png/${index}.png`);
    expect(files.every((file, index) => set.has(file) === (index % 3 !== 0))).toBe(true);
    expect(set.has('/dump/image/png/1999.png')).toBe(true);
    expect(set.size).toBe(5000 - 1667 + 2000);
  });

  it('hashes paths that differ in one late character apart', () => {
    const hashes = new Set(Array.from({ length: 1000 }, (_, index) => pathHash(`/dump/application/pdf/HTTP-F${index}.pdf`)));
    expect(hashes.size).toBe(1000);
  });
});

describe('History over PathSet', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'broapt-path-set-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens with every path colliding, runs `body`, and always closes. */
  async function withColliding(retryFailed: boolean, body: (history: History) => void): Promise<void> {
    const history = await History.open(dir, { retryFailed, hash: collide });
    try {
      body(history);
    } finally {
      await history.close();
    }
  }

  it('tells colliding done and failed paths apart, before and after reopening', async () => {
    const awkward = ['/dump/a\nb.pdf', '/dump/a', '/dump/trailing-cr\r', `/dump/${'long'.repeat(1000)}`];
    for (let run = 0; run < 2; run++) {
      await withColliding(false, (history) => {
        if (run === 0) {
          for (const file of [...SIBLINGS.slice(0, 2), ...awkward]) history.markDone(file);
          history.markFailed('/dump/failed\n.exe', 'exit 1');
        }
        expect(SIBLINGS.map((file) => history.has(file))).toEqual([true, true, false, false, false]);
        expect(awkward.every((file) => history.isDone(file))).toBe(true);
        for (const near of ['/dump/a\nb', '/dump/a\\nb.pdf', '/dump/trailing-cr', '/dump/failed', '/dump/failed\n.exe']) expect(history.isDone(near)).toBe(false);
        expect(history.has('/dump/failed\n.exe')).toBe(true);
        expect(history.has('/dump/failed .exe')).toBe(false);
        expect(history.stats).toMatchObject({ done: 6, failed: 1 });
      });
    }
  });

  it('keeps a name that is not UTF-8 as Node reads it, and only that one', async () => {
    const dump = path.join(dir, 'dump');
    await mkdir(dump);
    // "café.pdf" in Latin-1: Node names it with U+FFFD for the lone 0xE9 byte.
    await writeFile(Buffer.from(`${dump}/caf\u00e9.pdf`, 'latin1'), 'x');
    const [name] = await readdir(dump);
    expect(name).toBe('caf\ufffd.pdf');
    const file = path.join(dump, name!);
    await withColliding(false, (history) => history.markDone(file));
    await withColliding(false, (history) => {
      expect(history.isDone(file)).toBe(true);
      expect(history.isDone(path.join(dump, 'café.pdf'))).toBe(false);
      expect(history.isDone(path.join(dump, 'caf\u00c3\u00a9.pdf'))).toBe(false);
    });
  });

  it('forgets a failure once the path is done, colliding or not', async () => {
    await withColliding(true, (history) => {
      history.markFailed('/dump/x', 'timeout');
      history.markFailed('/dump/y', 'timeout');
      history.markDone('/dump/x');
      expect(history.stats).toMatchObject({ done: 1, failed: 1 });
      expect(history.has('/dump/y')).toBe(true);
    });
    await withColliding(true, (history) => {
      expect(history.has('/dump/y')).toBe(false);
      expect(history.has('/dump/x')).toBe(true);
      expect(history.stats).toMatchObject({ done: 1, failed: 1 });
    });
  });
});
