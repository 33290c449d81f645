import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendLog } from '../source/history/append-log.ts';
import { History } from '../source/history/history.ts';
import { decodePathLine, encodePathLine } from '../source/history/path-line.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'broapt-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dumpLog = () => path.join(dir, 'dump.log');
const failLog = () => path.join(dir, 'fail.log');

/** Opens, runs `body`, and always closes, so a failed assertion leaves no descriptor open. */
async function withHistory(options: { retryFailed: boolean }, body: (history: History) => void | Promise<void>): Promise<History> {
  const history = await History.open(dir, options);
  try {
    await body(history);
  } finally {
    await history.close();
  }
  return history;
}

const SPECIAL_PATHS = [
  '/dump/a\nb.pdf',
  '/dump/a\r\nb.pdf',
  '/dump/trailing-cr\r',
  '"/dump/leading-quote.pdf',
  ' /dump/leading space.pdf',
  '/dump/trailing space.pdf ',
  '/dump/tab\there.pdf\t',
  '/dump/in ner spa ces.pdf',
  '/dump/ünïcødé/文件/📄.pdf',
  `/dump/${'a'.repeat(255)}`,
  `/dump/${'é'.repeat(127)}x`,
  '/dump/lone-\uD800-surrogate',
];

describe('path lines', () => {
  it('keeps ordinary paths plain, as the reference writes them', () => {
    const plain = '/dump/application/pdf/HTTP-FabcdefghijABCDEFG.test.pcap-1b4e28ba-2fa1-11d2-883f-0016d3cca427.application.pdf.pdf';
    expect(encodePathLine(plain)).toBe(plain);
    expect(decodePathLine(plain)).toBe(plain);
    expect(decodePathLine(`${plain}\r`)).toBe(plain);
  });

  it('round-trips paths a plain line cannot hold, on one line', () => {
    for (const file of SPECIAL_PATHS) {
      const line = encodePathLine(file);
      expect(line).not.toMatch(/[\n\r]/);
      expect(decodePathLine(line)).toBe(file);
    }
  });

  it('rejects blank and invalid lines', () => {
    expect(decodePathLine('')).toBeUndefined();
    expect(decodePathLine('  \r')).toBeUndefined();
    expect(decodePathLine('"/dump/torn')).toBeUndefined();
    expect(decodePathLine('"\\u0041"')).toBe('A');
    expect(decodePathLine('"a" junk')).toBeUndefined();
  });
});

describe('AppendLog', () => {
  it('creates parent folders and writes each line at once', async () => {
    const file = path.join(dir, 'deep', 'er', 'processed.jsonl');
    const log = await AppendLog.open(file);
    log.append('one');
    expect(await readFile(file, 'utf8')).toBe('one\n');
    log.append('');
    log.append('two');
    await log.flush();
    await log.close();
    expect(await readFile(file, 'utf8')).toBe('one\n\ntwo\n');
  });

  it('refuses a line break in a line and writes after close', async () => {
    const log = await AppendLog.open(path.join(dir, 'x.log'));
    expect(() => log.append('a\nb')).toThrow(/must not contain/);
    await log.close();
    await log.close();
    expect(() => log.append('late')).toThrow(/after close/);
  });

  it('drops a torn last line before appending', async () => {
    const file = path.join(dir, 'x.log');
    await writeFile(file, 'whole\ntor');
    const log = await AppendLog.open(file);
    log.append('next');
    await log.close();
    expect(await readFile(file, 'utf8')).toBe('whole\nnext\n');
  });
});

describe('History', () => {
  it('records processed paths in dump.log and sees them after reopening', async () => {
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.dumpLog).toBe(dumpLog());
      expect(history.failLog).toBe(failLog());
      expect(history.size).toBe(0);
      history.markDone('/dump/a.pdf');
      history.markDone('/dump/b.exe');
      expect(history.has('/dump/a.pdf')).toBe(true);
      expect(history.has('/dump/c.txt')).toBe(false);
    });
    expect(await readFile(dumpLog(), 'utf8')).toBe('/dump/a.pdf\n/dump/b.exe\n');
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(2);
      expect(history.isDone('/dump/a.pdf')).toBe(true);
      expect(history.isDone('/dump/b.exe')).toBe(true);
      expect(history.has('/dump/c.txt')).toBe(false);
      expect(history.stats).toMatchObject({ done: 2, failed: 0, tornLines: 0 });
    });
  });

  it('loads a reference dump.log unchanged, tolerating CRLF and blank lines', async () => {
    await writeFile(dumpLog(), '/dump/application/pdf/one.pdf\n\n/dump/text/plain/two.txt\r\n   \n/dump/three\n');
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(3);
      for (const file of ['/dump/application/pdf/one.pdf', '/dump/text/plain/two.txt', '/dump/three']) expect(history.has(file)).toBe(true);
    });
  });

  it('skips a torn last line and repairs the log, so the next record starts on a new line', async () => {
    await writeFile(dumpLog(), '/dump/a\n/dump/b\n/dump/c-torn');
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(2);
      expect(history.has('/dump/c-torn')).toBe(false);
      expect(history.stats.tornLines).toBe(1);
      history.markDone('/dump/d');
    });
    expect(await readFile(dumpLog(), 'utf8')).toBe('/dump/a\n/dump/b\n/dump/d\n');
  });

  it('never lets a torn line, a prefix of the path being written, hide a file of that name later', async () => {
    // A writer killed while writing /dump/file10 left "/dump/file1"; a run that records nothing must not seal it.
    await writeFile(dumpLog(), '/dump/a\n/dump/file1');
    await withHistory({ retryFailed: false }, () => {});
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.has('/dump/file1')).toBe(false);
      expect(history.stats.tornLines).toBe(0);
    });
    expect(await readFile(dumpLog(), 'utf8')).toBe('/dump/a\n');
  });

  it('round-trips awkward paths through dump.log', async () => {
    await withHistory({ retryFailed: false }, (history) => {
      for (const file of SPECIAL_PATHS) history.markDone(file);
    });
    const lines = (await readFile(dumpLog(), 'utf8')).split('\n');
    expect(lines).toHaveLength(SPECIAL_PATHS.length + 1);
    expect(lines).toContain('/dump/in ner spa ces.pdf');
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(SPECIAL_PATHS.length);
      for (const file of SPECIAL_PATHS) expect(history.isDone(file)).toBe(true);
      expect(history.has('/dump/a')).toBe(false);
    });
  });

  it('dedupes paths written twice, in a session and in the file', async () => {
    await writeFile(dumpLog(), '/dump/a\n/dump/a\n');
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(1);
      history.markDone('/dump/a');
      history.markDone('/dump/b');
      history.markDone('/dump/b');
    });
    expect(await readFile(dumpLog(), 'utf8')).toBe('/dump/a\n/dump/a\n/dump/b\n');
  });

  it('writes failures as JSON lines and skips them on restart unless retryFailed', async () => {
    await withHistory({ retryFailed: false }, (history) => {
      history.markFailed('/dump/bad.pdf', 'exit 1', { app: 'pdf', attempts: 3, path: 'ignored', reason: 'ignored' });
      expect(history.has('/dump/bad.pdf')).toBe(true);
      expect(history.isDone('/dump/bad.pdf')).toBe(false);
    });
    const text = await readFile(failLog(), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const record = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['time', 'path', 'reason', 'app', 'attempts']);
    expect(record).toMatchObject({ path: '/dump/bad.pdf', reason: 'exit 1', app: 'pdf', attempts: 3 });
    expect(new Date(record.time as string).toISOString()).toBe(record.time);

    await withHistory({ retryFailed: false }, (history) => {
      expect(history.has('/dump/bad.pdf')).toBe(true);
      expect(history.isDone('/dump/bad.pdf')).toBe(false);
      expect(history.stats.failed).toBe(1);
    });
    await withHistory({ retryFailed: true }, (history) => {
      expect(history.has('/dump/bad.pdf')).toBe(false);
      expect(history.stats.failed).toBe(1);
      // Retried once per run: failing again, it is not taken again by a later rescan of this run.
      history.markFailed('/dump/bad.pdf', 'still bad');
      expect(history.has('/dump/bad.pdf')).toBe(true);
    });
  });

  it('counts a file that failed and then succeeded as done', async () => {
    await withHistory({ retryFailed: true }, (history) => {
      history.markFailed('/dump/flaky.exe', 'timeout');
      history.markDone('/dump/flaky.exe');
      expect(history.stats.failed).toBe(0);
    });
    for (const retryFailed of [false, true]) {
      await withHistory({ retryFailed }, (history) => {
        expect(history.has('/dump/flaky.exe')).toBe(true);
        expect(history.isDone('/dump/flaky.exe')).toBe(true);
        expect(history.stats).toMatchObject({ done: 1, failed: 0 });
      });
    }
  });

  it('ignores unreadable fail.log lines', async () => {
    await writeFile(failLog(), '{"time":"t","path":"/dump/x","reason":"r"}\nnot json\n42\nnull\n{"path":"/dump/torn"');
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.has('/dump/x')).toBe(true);
      expect(history.has('/dump/torn')).toBe(false);
      expect(history.stats).toMatchObject({ failed: 1, tornLines: 1 });
    });
  });

  it('explains a logs path it cannot use', async () => {
    const notAFolder = path.join(dir, 'logs');
    await writeFile(notAFolder, '');
    await expect(History.open(notAFolder, { retryFailed: false })).rejects.toMatchObject({
      code: 'E_HISTORY',
      message: expect.stringMatching(/--logs-path/),
    });
  });

  it('loads 100,000 lines', async () => {
    const paths = Array.from({ length: 100_000 }, (_, index) => `/dump/application/pdf/HTTP-F${index.toString(36).padStart(17, '0')}.pdf`);
    await writeFile(dumpLog(), `${paths.join('\n')}\n`);
    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(paths.length);
      expect(paths.every((file) => history.has(file))).toBe(true);
      expect(history.has('/dump/application/pdf/HTTP-Fmissing.pdf')).toBe(false);
    });
  });

  it('keeps every line a SIGKILLed writer finished, and at most one torn line', async () => {
    // Lines of varied length, so some straddle page boundaries; the child builds the same ones.
    const line = (index: number) => `/dump/application/pdf/file-${index}-${'x'.repeat(index % 300)}.pdf`;
    const lineInChild = `'/dump/application/pdf/file-' + index + '-' + 'x'.repeat(index % 300) + '.pdf'`;
    const moduleUrl = pathToFileURL(path.resolve(import.meta.dirname, '../source/history/append-log.ts')).href;
    const script = `
      import { AppendLog } from ${JSON.stringify(moduleUrl)};
      const log = await AppendLog.open(${JSON.stringify(dumpLog())});
      for (let index = 0; ; index++) {
        log.append(${lineInChild});
        if (index % 1000 === 999) process.stdout.write(index + '\\n');
      }
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastReported = -1;
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const reports = output.split('\n');
      output = reports.pop() ?? '';
      lastReported = Number(reports.at(-1) ?? lastReported);
      if (lastReported >= 20_000) child.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    expect(signal).toBe('SIGKILL');
    expect(lastReported).toBeGreaterThanOrEqual(20_000);

    const written = await readFile(dumpLog(), 'utf8');
    const lines = written.split('\n');
    const tail = lines.pop() ?? '';
    expect(lines.length).toBeGreaterThan(lastReported);
    expect(lines.findIndex((text, index) => text !== line(index))).toBe(-1);
    expect(line(lines.length).startsWith(tail)).toBe(true);

    await withHistory({ retryFailed: false }, (history) => {
      expect(history.size).toBe(lines.length);
      expect(history.stats.tornLines).toBe(tail === '' ? 0 : 1);
      expect(history.has(line(lastReported))).toBe(true);
      history.markDone('/dump/after-restart');
    });
    expect(await readFile(dumpLog(), 'utf8')).toBe(`${written}${tail === '' ? '' : '\n'}/dump/after-restart\n`);
  });
});
