import { describe, expect, it } from 'vitest';
import { zipWithGarbageMember } from '../apps/archive/fixture.ts';
import { buildPdf, PAGES } from '../apps/pdf/fixture.ts';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const shipped = (env: Record<string, string> = {}) => ({ ...ws().env, BROAPT_API_ROOT: '', SCAN_CLAMAV_DB: 'off', ...env });
const rules = (record: Record<string, unknown> | undefined) => ((record?.findings ?? []) as Array<{ rule: string }>).map((f) => f.rule);

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
