import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nestedZip, zipWithGarbageMember } from '../apps/archive/fixture.ts';
import { zipOf } from '../source/demo/samples.ts';
import { RootBudgets } from '../source/report/budget.ts';
import { buildPdf, PAGES } from '../apps/pdf/fixture.ts';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const shipped = (env: Record<string, string> = {}) => ({ ...ws().env, BROAPT_API_ROOT: '', SCAN_CLAMAV_DB: 'off', ...env });
const rules = (record: Record<string, unknown> | undefined) => ((record?.findings ?? []) as Array<{ rule: string }>).map((f) => f.rule);

/** Files left under a `.children` folder of the API logs: unpacked members nobody removed. */
function leftChildren(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile() && path.join(d.parentPath, d.name).includes('.children'))
    .map((d) => path.join(d.parentPath, d.name));
}

const budgetFinding = (record: Record<string, unknown> | undefined, rule: string) => ((record?.findings ?? []) as Array<{ rule: string; severity: string; description: string }>).find((f) => f.rule === rule);

/** A PDF that runs obfuscated JavaScript when opened. */
const scriptedPdf = () => buildPdf(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, `<< /S /JavaScript /JS (eval\\(unescape\\("${'%u4141'.repeat(20)}"\\)\\)) >>`]);

describe('hostile archives stay bounded', () => {
  it('finds the PDF with JavaScript beside a damaged member, and the archive is as bad as it', async () => {
    await ws().addFile(broaptName(1, 'application/zip', 'zip'), zipWithGarbageMember([['invoice.pdf', scriptedPdf()], ['broken.bin', Buffer.alloc(4000, 0x5a)]], 'broken.bin'));
    const result = await runCli(['scan'], shipped());
    expect(result.code).toBe(0);
    const records = await ws().records();
    const root = records.find((r) => r.parentFuid === undefined);
    const pdf = records.find((r) => r.archivePath === 'invoice.pdf');
    expect(['suspicious', 'malicious']).toContain(pdf?.verdict);
    expect(root?.verdict).toBe(pdf?.verdict);
    expect(rules(root)).toEqual(expect.arrayContaining(['archive.unpack-partial', `archive.member.${String(pdf?.verdict)}`]));
  });
});

describe('budgets over the whole tree of one file', () => {
  it('stops a nested zip bomb at BROAPT_ARCHIVE_MAX_CHILDREN files in all, with a finding on the root, and leaves no unpacked member behind', async () => {
    // 4 zips of 4 zips of 4 files: 84 members over three levels, each level within the per-archive limits.
    await ws().addFile(broaptName(2, 'application/zip', 'zip'), nestedZip(4, 3));
    const result = await runCli(['scan'], shipped({ BROAPT_ARCHIVE_MAX_CHILDREN: '10' }));
    expect(result.code).toBe(0);
    const records = await ws().records();
    expect(records.length).toBeLessThanOrEqual(11);
    const root = records.find((r) => r.parentFuid === undefined);
    expect(root).toMatchObject({ verdict: 'suspicious' });
    expect(budgetFinding(root, 'archive.budget.children')).toMatchObject({ severity: 'medium', description: expect.stringMatching(/BROAPT_ARCHIVE_MAX_CHILDREN=10/) });
    expect(leftChildren(ws().logs)).toEqual([]);
  });

  it('stops at BROAPT_ARCHIVE_MAX_BYTES unpacked in all', async () => {
    await ws().addFile(broaptName(3, 'application/zip', 'zip'), zipOf(Array.from({ length: 4 }, (_, i): [string, string] => [`part${i}.txt`, `${i}`.repeat(1024)])));
    const result = await runCli(['scan'], shipped({ BROAPT_ARCHIVE_MAX_BYTES: '2500' }));
    expect(result.code).toBe(0);
    const records = await ws().records();
    expect(records).toHaveLength(3);
    expect(budgetFinding(records.find((r) => r.parentFuid === undefined), 'archive.budget.bytes')).toMatchObject({ severity: 'medium', description: expect.stringMatching(/2 members not analysed/) });
    expect(leftChildren(ws().logs)).toEqual([]);
  });

  it('stops taking members once BROAPT_ARCHIVE_MAX_SECONDS have passed since the root file started', async () => {
    await ws().addFile(broaptName(4, 'application/zip', 'zip'), nestedZip(2, 2));
    const result = await runCli(['scan'], shipped({ BROAPT_ARCHIVE_MAX_SECONDS: '0.001' }));
    expect(result.code).toBe(0);
    const records = await ws().records();
    expect(records).toHaveLength(1);
    expect(budgetFinding(records[0], 'archive.budget.seconds')).toMatchObject({ severity: 'medium' });
    expect(records[0]).toMatchObject({ verdict: 'suspicious' });
  });

  it('removes each unpacked member once its record is written', async () => {
    await ws().addFile(broaptName(5, 'application/zip', 'zip'), nestedZip(2, 2));
    const result = await runCli(['scan'], shipped());
    expect(result.code).toBe(0);
    expect(await ws().records()).toHaveLength(7);
    expect(leftChildren(ws().logs)).toEqual([]);
  });
});

describe('a root budget', () => {
  it('leaves out members taken in time that have not started when the time is up, and counts them', () => {
    let now = 0;
    const budgets = new RootBudgets({ children: 10, bytes: 1 << 20, seconds: 5 }, () => now);
    budgets.open('/dump/root.zip');
    now = 1000;
    const members = ['a', 'b', 'c'].map((name) => ({ path: `/nonexistent/${name}` }));
    expect(budgets.admit('/dump/root.zip', members)).toEqual(members);
    expect(budgets.leaveOut('/dump/root.zip')).toBe(false);
    now = 6000;
    expect(budgets.leaveOut('/dump/root.zip')).toBe(true);
    expect(budgets.leaveOut('/dump/root.zip')).toBe(true);
    expect(budgets.admit('/dump/root.zip', members)).toEqual([]);
    expect(budgets.close('/dump/root.zip')).toEqual({ rule: 'archive.budget.seconds', description: expect.stringMatching(/past 5 seconds \(BROAPT_ARCHIVE_MAX_SECONDS=5\): 5 members not analysed/) });
    expect(budgets.close('/dump/root.zip')).toBeUndefined();
  });
});
