import { describe, expect, it } from 'vitest';
import { Progress } from '../source/cli/progress.ts';
import type { FileRecord } from '../source/pipeline/record.ts';
import { printable, Summary } from '../source/pipeline/summary.ts';

describe('printing names that come from traffic', () => {
  it('quotes names with control characters so they cannot rewrite the terminal or forge lines', () => {
    expect(printable('/dump/plain name.pdf')).toBe('/dump/plain name.pdf');
    expect(printable('/dump/a\u001b[2Jb')).toBe('"/dump/a\\u001b[2Jb"');
    expect(printable('/dump/x\nfailed: /etc/passwd')).toBe('"/dump/x\\nfailed: /etc/passwd"');
    const summary = new Summary();
    summary.add({ path: '/dump/evil\u001b]0;owned\u0007.txt', mime: 'text/plain', status: 'failed', reason: 'exit 1' } as FileRecord);
    expect(summary.format()).not.toMatch(/\u001b/);
    expect(summary.format()).toContain('"/dump/evil\\u001b]0;owned\\u0007.txt"');
  });
});

describe('a long pass', () => {
  it('keeps counts of every failure and skip but only the first few by name', () => {
    const summary = new Summary();
    for (let i = 0; i < 5000; i++) {
      summary.add({ path: `/dump/f${i}`, mime: 'text/plain', status: 'failed', reason: 'exit 1' } as FileRecord);
      summary.skip(`/dump/l${i}`, 'symlink');
    }
    expect(summary.failures.length).toBeLessThanOrEqual(20);
    expect(summary.skipped.length).toBeLessThanOrEqual(20);
    expect(summary.format()).toContain('0 done, 5000 failed, 5000 skipped');
    expect(summary.format()).toContain('… and 4980 more in fail.log');
  });
});

describe('progress', () => {
  it('counts archive members found during the pass into the total, which the count never passes', () => {
    let out = '';
    const progress = new Progress({ isTTY: false, write: (text: string) => ((out += text), true) } as unknown as NodeJS.WriteStream);
    const summary = new Summary();
    progress.setTotal(2);
    const finish = (record: Partial<FileRecord>) => {
      const full = { mime: 'application/zip', status: 'done', ...record } as FileRecord;
      summary.add(full);
      progress.update(full, summary);
    };
    finish({ path: '/dump/a.zip' });
    // The processor announces the members it queued before they finish.
    progress.addToTotal(2);
    finish({ path: '/dump/a.zip.children/one.txt', parentFuid: 'Fa' });
    finish({ path: '/dump/a.zip.children/two.txt', parentFuid: 'Fa' });
    finish({ path: '/dump/b.txt' });
    const counts = out.trim().split('\n').map((line) => /progress: (\d+)\/(\d+)/.exec(line)!.slice(1).map(Number));
    for (const [done, total] of counts) expect(done).toBeLessThanOrEqual(total!);
    expect(counts.at(-1)).toEqual([4, 4]);
  });
});
