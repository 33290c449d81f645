import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearReport, collectReport } from '../source/report/collect.ts';
import { commandReport, mergeReports } from '../source/report/merge.ts';
import { normalizeReport } from '../source/report/report.ts';
import { readZeekLog } from '../source/zeek/read.ts';
import { broaptName, REPO, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('report parsing and merging', () => {
  it('normalises what apps give: unknown verdicts stay unknown, scores are clamped, bare findings become rules', () => {
    expect(normalizeReport({ verdict: 'MALICIOUS', score: 250, findings: ['eicar', { rule: 'x', severity: 'high' }] })).toEqual({
      verdict: 'malicious',
      score: 100,
      findings: [
        { rule: 'eicar', description: '', severity: 'info' },
        { rule: 'x', description: '', severity: 'high' },
      ],
      details: {},
    });
    expect(normalizeReport({ verdict: 'bad', score: -3, app: 'scan' })).toMatchObject({ verdict: 'unknown', score: 0, app: 'scan' });
    expect(normalizeReport([1, 2])).toBeUndefined();
    expect(normalizeReport('clean')).toBeUndefined();
  });

  it('merges to the worst verdict, the highest score and every finding tagged with its app', () => {
    const a = commandReport('application/pdf', 'scripts', 1, { app: 'scan', verdict: 'clean', score: 5, findings: [{ rule: 'r1', description: '', severity: 'low' }], details: { sha256: 'A'.repeat(64) } });
    const b = commandReport('application/pdf', 'report', 1, { verdict: 'suspicious', score: 40, findings: [{ rule: 'r2', description: 'd', severity: 'medium' }], details: { realMime: 'application/x-dosexec' } });
    const c = commandReport('application/pdf', 'report', 1, { verdict: 'unknown', score: 0, findings: [], details: {} });
    expect(mergeReports([a, b, c])).toEqual({
      verdict: 'suspicious',
      score: 40,
      findings: [
        { rule: 'r1', description: '', severity: 'low', app: 'scan' },
        { rule: 'r2', description: 'd', severity: 'medium', app: 'application/pdf' },
      ],
      sha256: 'a'.repeat(64),
      realMime: 'application/x-dosexec',
    });
    expect(mergeReports([a, c]).verdict).toBe('unknown');
    expect(mergeReports([]).verdict).toBe('unknown');
  });

  it('takes the report file first, else the last output line when it is a JSON object', async () => {
    const dir = ws().dir;
    const log = path.join(dir, 'cmd.log');
    const report = path.join(dir, 'cmd.log.json');
    await fs.writeFile(log, '# open: x\n# args: y\nnoise\n{"verdict":"suspicious","score":30}\n# exit: 0\n# close: x\n');
    expect(collectReport(report, log)).toMatchObject({ verdict: 'suspicious', score: 30 });
    await fs.writeFile(report, '{"verdict":"malicious","score":90}');
    expect(collectReport(report, log)).toMatchObject({ verdict: 'malicious', score: 90 });
    // A report file that is not JSON must not pass as clean.
    await fs.writeFile(report, 'oops');
    expect(collectReport(report, log)).toMatchObject({ verdict: 'unknown', findings: [{ rule: 'broapt.bad-report' }] });
    await fs.rm(report);
    await fs.writeFile(log, '# open: x\n# args: y\n{"verdict":"malicious"}\nall fine\n# exit: 0\n');
    expect(collectReport(report, log)).toBeUndefined();
    // An attempt that printed nothing has no report, even if an earlier attempt printed one.
    await fs.writeFile(log, '# args: y\n{"verdict":"malicious"}\n# exit: 1\n# close: x\n# open: x\n# args: y\n# exit: 0\n');
    expect(collectReport(report, log)).toBeUndefined();
  });

  it("clears what an earlier run left at a command's report and children paths, links without following them", async () => {
    const dir = ws().dir;
    const outside = path.join(dir, 'outside.json');
    await fs.writeFile(outside, 'keep me');
    const report = path.join(dir, 'cmd.log.json');
    await fs.symlink(outside, report);
    await fs.mkdir(path.join(dir, 'cmd.log.children', 'nested'), { recursive: true });
    await fs.writeFile(path.join(dir, 'cmd.log.children', 'nested', 'member'), 'x');
    clearReport(report);
    await expect(fs.lstat(report)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.lstat(path.join(dir, 'cmd.log.children'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readFile(outside, 'utf8')).toBe('keep me');
    // Nothing there: nothing to do, no error.
    expect(() => clearReport(report)).not.toThrow();
  });
});

const API = `
example:
  report: printf '%s\\n' 'some text' '{"verdict":"clean","score":1,"findings":[]}'
application:
  pdf:
    scripts:
      - >-
        printf '{"app":"scan","verdict":"suspicious","score":35,"findings":[{"rule":"pdf.js","description":"has /JavaScript","severity":"medium"}],"details":{"realMime":"application/pdf"}}' > "$BROAPT_REPORT"
    report: >-
      n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count;
      if [ "$n" = 0 ]; then echo '{"verdict":"malicious","score":99}' > "$BROAPT_REPORT"; exit 1; fi;
      echo second attempt
  zip:
    report: exit 4
`;

describe('the 10-line example app of apps/README.md', () => {
  it('runs as documented and reports through $BROAPT_REPORT', async () => {
    const readme = await fs.readFile(path.join(REPO, 'apps', 'README.md'), 'utf8');
    const script = /An app in 10 lines[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(script.trim().split('\n')).toHaveLength(10);
    await ws().writeApi('example:\n  report: ":"\napplication:\n  x-invoice:\n    report: sh report.sh\n');
    await fs.writeFile(path.join(ws().api, 'application', 'x-invoice', 'report.sh'), script);
    await ws().addFile(broaptName(1, 'application/x-invoice', 'inv'), 'please run invoice.exe');
    await ws().addFile(broaptName(2, 'application/x-invoice', 'inv'), 'nothing to see');
    expect((await runCli(['scan'], ws().env)).code).toBe(0);
    const byFuid = new Map((await ws().records()).map((r) => [r.fuid, r]));
    expect(byFuid.get('F00000000000000001')).toMatchObject({ verdict: 'suspicious', score: 50, findings: [{ rule: 'invoice-exe', app: 'application/x-invoice' }] });
    expect(byFuid.get('F00000000000000002')).toMatchObject({ verdict: 'clean', findings: [] });
  });
});

describe('reports written by a scan', () => {
  it('merges each file\'s reports into processed.jsonl and reports.jsonl, and writes broapt.log as Zeek TSV', async () => {
    await ws().writeApi(API);
    const pdf = await ws().addFile(broaptName(1), '%PDF-1.4 /JavaScript');
    const txt = await ws().addFile(broaptName(2, 'text/plain', 'txt'), 'hello');
    const zip = await ws().addFile(broaptName(3, 'application/zip', 'zip'), 'PK');
    const result = await runCli(['scan', '--max-retry', '2'], ws().env);
    expect(result.code).toBe(1);
    const byPath = new Map((await ws().records()).map((r) => [r.path, r]));
    // The report's second attempt wrote no report: the first attempt's must not count.
    expect(byPath.get(pdf)).toMatchObject({
      status: 'done',
      verdict: 'suspicious',
      score: 35,
      realMime: 'application/pdf',
      sha256: createHash('sha256').update('%PDF-1.4 /JavaScript').digest('hex'),
      findings: [{ rule: 'pdf.js', app: 'scan', severity: 'medium' }],
    });
    expect((byPath.get(pdf)!.reports as unknown[]).length).toBe(1);
    expect(byPath.get(txt)).toMatchObject({ verdict: 'clean', score: 1, findings: [], reports: [{ app: 'example', phase: 'report', index: 1 }] });
    expect(byPath.get(zip)).toMatchObject({ status: 'failed' });
    expect(byPath.get(zip)!.verdict).toBeUndefined();

    const reports = (await fs.readFile(path.join(ws().logs, 'reports.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(reports).toHaveLength(3);
    const pdfReport = reports.find((r) => r.path === pdf)!;
    expect(Object.keys(pdfReport)).toEqual(expect.arrayContaining(['path', 'fuid', 'mime', 'verdict', 'score', 'findings', 'reports']));
    expect(pdfReport.commands).toBeUndefined();

    const log = await fs.readFile(path.join(ws().logs, 'broapt.log'), 'utf8');
    const lines = log.split('\n');
    expect(lines.slice(0, 5)).toEqual(['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tbroapt']);
    expect(lines[5]).toMatch(/^#open\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    expect(lines[6]).toBe('#fields\tts\tfuid\tparent_fuid\tprotocol\tpcap\tpath\tmime\treal_mime\tsha256\tapp\tstatus\tverdict\tscore\trules\treason');
    expect(lines[7]).toBe('#types\ttime\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tset[string]\tstring');
    expect(lines.at(-2)).toMatch(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    expect(lines.at(-1)).toBe('');
    const txtRow = lines.find((line) => line.includes('\tF00000000000000002\t'))!.split('\t');
    expect(txtRow[7]).toBe('-'); // real_mime unset: the name gave the MIME and no app reported one
    expect(txtRow[13]).toBe('(empty)'); // no rules

    const rows = [];
    for await (const row of readZeekLog(path.join(ws().logs, 'broapt.log'))) rows.push(row);
    const byFuid = new Map(rows.map((row) => [row.fuid, row]));
    expect(byFuid.get('F00000000000000001')).toMatchObject({ path: pdf, mime: 'application/pdf', verdict: 'suspicious', score: 35, rules: ['pdf.js'], status: 'done' });
    expect(byFuid.get('F00000000000000003')).toMatchObject({ status: 'failed', verdict: null, sha256: null });
    expect(typeof byFuid.get('F00000000000000002')!.ts).toBe('number');
  });

  it('writes broapt.log as Zeek JSON lines when BROAPT_JSON_MODE is true', async () => {
    await ws().writeApi(API);
    await ws().addFile(broaptName(2, 'text/plain', 'txt'), 'hello');
    expect((await runCli(['scan'], { ...ws().env, BROAPT_JSON_MODE: 'true' })).code).toBe(0);
    const rows = (await fs.readFile(path.join(ws().logs, 'broapt.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ fuid: 'F00000000000000002', verdict: 'clean', score: 1, rules: [] });
    expect(rows[0]!.real_mime).toBeUndefined();
    expect((await runCli(['scan'], { ...ws().env, BROAPT_JSON_MODE: 'maybe' })).stderr).toMatch(/BROAPT_JSON_MODE="maybe" is not valid/);
  });
});
