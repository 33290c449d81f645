/**
 * Files of hundreds of MB must not cost their size in memory (issue 13, item
 * 18): the shipped analyzer (warm, as apps/api.yml runs it) and broapt itself
 * (sniffing, hashing, reading the report) read a bounded head or stream. A
 * 300 MB sparse PDF and a 300 MB sparse HTML page go through both; peak RSS
 * (VmHWM, by /usr/bin/time) stays far below the files' size.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, REPO, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const SIZE = 300 * 2 ** 20;
/** Generous: Node with the analyzers loaded takes ~150 MB; reading the whole file would take 300 MB more. */
const BOUND_KB = 400 * 1024;

/** A sparse file of SIZE bytes: a real head and tail, zeros between that take no disk. */
function sparse(file: string, head: string, tail: string): void {
  fs.writeFileSync(file, head);
  fs.truncateSync(file, SIZE - tail.length);
  fs.appendFileSync(file, tail);
}

const peakKb = (timeOutput: string) => Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeOutput)?.[1]);

describe('a 300 MB file', () => {
  it('keeps the peak RSS of the shipped analyzer and of broapt bounded', async () => {
    const appPeak = path.join(ws().dir, 'app-peak');
    const cliPeak = path.join(ws().dir, 'cli-peak');
    await ws().writeApi(
      `environment:
  NODE: ${process.execPath}
example:
  workdir: ${path.join(REPO, 'apps', 'shipped')}
  warm: true
  report: exec /usr/bin/time -v -o ${appPeak} "$NODE" analyse.ts
`,
      { workdirs: false },
    );
    const pdf = path.join(ws().dump, broaptName(1, 'application/pdf', 'pdf'));
    sparse(pdf, '%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n', '\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const html = path.join(ws().dump, 'page.html');
    sparse(html, '<!doctype html><html><body><script>var a = "', '";</script></body></html>\n');
    const output = execFileSync('/usr/bin/time', ['-v', '-o', cliPeak, process.execPath, path.join(REPO, 'bin', 'broapt.js'), 'scan', '--jobs', '1', pdf, html], {
      env: { ...process.env, ...ws().env },
      encoding: 'utf8',
    });
    expect(output).toContain('2 done');
    // The warm app ends when broapt closes its stdin, just after broapt itself.
    await waitFor(() => fs.existsSync(appPeak) && peakKb(fs.readFileSync(appPeak, 'utf8')) > 0, 20_000, 'the analyzer to exit');
    const records = await ws().records();
    expect(records.map((record) => record.size ?? record.status)).not.toContain('failed');
    expect(peakKb(fs.readFileSync(appPeak, 'utf8'))).toBeLessThan(BOUND_KB);
    expect(peakKb(fs.readFileSync(cliPeak, 'utf8'))).toBeLessThan(BOUND_KB);
  }, 120_000);
});
