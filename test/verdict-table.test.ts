import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../source/pipeline/record.ts';
import { Summary } from '../source/pipeline/summary.ts';

const record = (i: number, verdict: FileRecord['verdict'], score: number, rules: string[] = []): FileRecord =>
  ({
    path: `/dump/f${i}`,
    mime: 'text/plain',
    app: 'example',
    status: 'done',
    verdict,
    score,
    findings: rules.map((rule) => ({ rule, description: '', severity: rule.startsWith('info') ? 'info' : 'high', app: 'scan' })),
  }) as FileRecord;

describe('the closing table of non-clean files', () => {
  it('lists suspicious and malicious files worst first, with what was found', () => {
    const summary = new Summary();
    summary.add(record(1, 'clean', 0));
    summary.add(record(2, 'suspicious', 50, ['mime.executable-disguised', 'info.only']));
    summary.add(record(3, 'malicious', 80, ['yara.eicar_test_file', 'clamav.Broapt.Test.EICAR.UNOFFICIAL']));
    summary.add(record(4, 'unknown', 0));
    summary.add({ path: '/dump/f5', mime: 'text/plain', status: 'failed', reason: 'exit 1' } as FileRecord);
    const text = summary.format();
    expect(text).toContain(
      [
        'Not clean: 1 malicious, 1 suspicious (1 clean, 1 without a verdict)',
        '  VERDICT     SCORE  APP      FILE',
        '  malicious      80  example  /dump/f3',
        '                              yara.eicar_test_file, clamav.Broapt.Test.EICAR.UNOFFICIAL',
        '  suspicious     50  example  /dump/f2',
        '                              mime.executable-disguised',
        '',
        'Failed:',
      ].join('\n'),
    );
  });

  it('prints no table when every verdict is clean or unknown, and keeps only the worst of a long watch', () => {
    const quiet = new Summary();
    quiet.add(record(1, 'clean', 0));
    expect(quiet.format()).not.toContain('Not clean');
    const long = new Summary();
    for (let i = 0; i < 5000; i++) long.add(record(i, i === 4321 ? 'malicious' : 'suspicious', i === 4321 ? 100 : 30));
    expect(long.detections.length).toBeLessThanOrEqual(100);
    const text = long.format();
    expect(text).toContain('Not clean: 1 malicious, 4999 suspicious');
    expect(text.split('\n').find((l) => l.startsWith('  malicious'))).toContain('/dump/f4321');
    expect(text).toContain('… and 4950 more in reports.jsonl');
  });
});
