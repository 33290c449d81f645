import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eicar, zipOf } from '../source/demo/samples.ts';
import { childFuid } from '../source/report/children.ts';
import { readZeekLog } from '../source/zeek/read.ts';
import { broaptName, problems, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const shipped = () => ({ ...ws().env, BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws().dir, 'cache') });

describe('members of archives as child entries', () => {
  it('finds EICAR in a zip in a zip as a grandchild entry with its own fuid, parent_fuid and path in the archive', async () => {
    const inner = zipOf([['eicar.com', eicar()]]);
    const outer = await ws().addFile(broaptName(1, 'application/zip', 'zip', 'mail-day'), zipOf([['docs/inner.zip', inner]]));
    const result = await runCli(['scan'], shipped());
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    // Members found during the pass raise the progress total, so the count never passes it.
    const counts = [...result.stderr.matchAll(/progress: (\d+)\/(\d+) files/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(counts.length).toBeGreaterThan(0);
    for (const [done, total] of counts) expect(done).toBeLessThanOrEqual(total);
    const records = await ws().records();
    expect(records).toHaveLength(3);
    const innerFuid = childFuid('F00000000000000001', 'docs/inner.zip');
    const byFuid = new Map(records.map((r) => [r.fuid, r]));
    expect(byFuid.get('F00000000000000001')).toMatchObject({ path: outer, app: 'application/zip', verdict: 'malicious' });
    // Each container names its malicious member, so the outer record alone tells the analyst where the malware is.
    const memberFindings = (fuid: string) => (byFuid.get(fuid)!.findings as Array<{ rule: string; description: string }>).filter((f) => f.rule === 'archive.member.malicious').map((f) => f.description);
    expect(memberFindings('F00000000000000001')).toEqual([expect.stringMatching(/^member "docs\/inner\.zip" is malicious: .*archive\.member\.malicious/)]);
    expect(memberFindings(childFuid('F00000000000000001', 'docs/inner.zip'))).toEqual([expect.stringMatching(/^member "eicar\.com" is malicious: yara\.eicar_test_file/)]);
    expect(byFuid.get(innerFuid)).toMatchObject({ parentFuid: 'F00000000000000001', archivePath: 'docs/inner.zip', protocol: 'HTTP', pcap: 'mail-day', mime: 'application/zip', app: 'application/zip' });
    const leaf = byFuid.get(childFuid(innerFuid, 'eicar.com'))!;
    expect(leaf).toMatchObject({ parentFuid: innerFuid, archivePath: 'eicar.com', verdict: 'malicious', app: 'text/plain' });
    expect((leaf.findings as Array<{ rule: string }>).map((f) => f.rule)).toContain('yara.eicar_test_file');
    // broapt.log carries parent_fuid, as Zeek's files.log does.
    const rows = [];
    for await (const row of readZeekLog(path.join(ws().logs, 'broapt.log'))) rows.push(row);
    expect(rows.find((row) => row.fuid === leaf.fuid)).toMatchObject({ parent_fuid: innerFuid, verdict: 'malicious' });
    expect(result.stdout).toMatch(/Not clean: 3 malicious/);
  });

  it('stops following archives nested deeper than the limit, with a finding on the last one followed', async () => {
    let nested = zipOf([['eicar.com', eicar()]]);
    for (let level = 0; level < 5; level++) nested = zipOf([[`level${level}.zip`, nested]]);
    await ws().addFile(broaptName(2, 'application/zip', 'zip'), nested);
    const result = await runCli(['scan'], shipped());
    expect(result.code).toBe(0);
    const records = await ws().records();
    // The top file and four levels of members: the fifth level is not unpacked.
    expect(records).toHaveLength(5);
    const last = records.find((r) => (r.findings as Array<{ rule: string }>).some((f) => f.rule === 'archive.depth-limit'))!;
    expect(last).toMatchObject({ verdict: 'malicious' });
    expect((last.findings as Array<{ rule: string; app: string }>).find((f) => f.rule === 'archive.depth-limit')).toMatchObject({ app: 'broapt', severity: 'medium' });
  });

  it('takes a member named like a BroAPT file by its content, not by the name its archive gave it', async () => {
    const liar = 'HTTP-FAAAAAAAAAAAAAAAAA.trap.application.gzip.gz';
    await ws().addFile(broaptName(3, 'application/zip', 'zip'), zipOf([[liar, eicar()]]));
    const result = await runCli(['scan'], shipped());
    expect(result.code).toBe(0);
    const member = (await ws().records()).find((r) => r.archivePath === liar)!;
    expect(member).toMatchObject({ mime: 'text/plain', protocol: 'HTTP', verdict: 'malicious' });
    expect(member.fuid).toBe(childFuid('F00000000000000003', liar));
  });
});
