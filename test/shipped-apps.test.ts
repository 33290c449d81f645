import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eicar } from '../source/demo/samples.ts';
import { broaptName, problems, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('the shipped apps/api.yml', () => {
  it('runs the generic scan on a file no type app takes, and records its verdict', async () => {
    const env = { ...ws().env, BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws().dir, 'cache') };
    const file = await ws().addFile(broaptName(1, 'text/plain', 'txt'), eicar());
    const result = await runCli(['scan', '--jobs', '1'], env);
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ path: file, app: 'example', verdict: 'malicious', score: 80, realMime: 'text/plain', sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' });
    expect((record!.findings as Array<{ rule: string; app: string }>).map((f) => `${f.app}:${f.rule}`)).toEqual(['scan:yara.eicar_test_file', 'scan:clamav.Broapt.Test.EICAR.UNOFFICIAL']);
    expect(await fs.readFile(path.join(ws().logs, 'broapt.log'), 'utf8')).toContain('\tmalicious\t80\tyara.eicar_test_file,clamav.Broapt.Test.EICAR.UNOFFICIAL\t');
  });
});
