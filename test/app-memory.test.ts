/**
 * Files of hundreds of MB must not cost their size in memory (issue 13, item
 * 18): the shipped analyzer (warm, as apps/api.yml runs it) and broapt itself
 * (sniffing, hashing, reading the report) read a bounded head or stream. A
 * sparse PDF and HTML page of 300 MB go through both, and of 80 MB (just past
 * the analyzer's 64 MiB head): peak RSS (by /usr/bin/time) is the same.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, REPO, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const MB = 2 ** 20;
/** Past the analyzer's 64 MiB head: what it costs is the head's, whatever the size. */
const SMALL = 80 * MB;
const LARGE = 300 * MB;
/** Generous: Node with the analyzers loaded takes ~150 MB, the head and its parses ~200 MB more; reading the whole file would add 300 MB. */
const BOUND_KB = 450 * 1024;

/** A sparse file of `size` bytes: a real head and tail, zeros between that take no disk. */
function sparse(file: string, size: number, head: string, tail: string): void {
  fs.writeFileSync(file, head);
  fs.truncateSync(file, size - tail.length);
  fs.appendFileSync(file, tail);
}

const peakKb = (file: string) => Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(file, 'utf8'))?.[1]);

/** Peak RSS in kB of the warm analyzer and of broapt over one scan of a PDF and an HTML page of `size` bytes. */
async function peaks(size: number): Promise<{ app: number; cli: number }> {
  const dir = fs.mkdtempSync(path.join(ws().dir, 'run-'));
  const [dump, appPeak, cliPeak] = ['dump', 'app-peak', 'cli-peak'].map((name) => path.join(dir, name));
  fs.mkdirSync(dump!);
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
  const pdf = path.join(dump!, broaptName(1, 'application/pdf', 'pdf'));
  sparse(pdf, size, '%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n', '\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const html = path.join(dump!, 'page.html');
  sparse(html, size, '<!doctype html><html><body><script>var a = "', '";</script></body></html>\n');
  const output = execFileSync('/usr/bin/time', ['-v', '-o', cliPeak!, process.execPath, path.join(REPO, 'bin', 'broapt.js'), 'scan', '--jobs', '1', pdf, html], {
    env: { ...process.env, ...ws().env, BROAPT_DUMP_PATH: dump!, BROAPT_LOGS_PATH: path.join(dir, 'logs') },
    encoding: 'utf8',
  });
  expect(output).toContain('2 done');
  // The warm app ends when broapt closes its stdin, just after broapt itself.
  await waitFor(() => fs.existsSync(appPeak!) && peakKb(appPeak!) > 0, 20_000, 'the analyzer to exit');
  return { app: peakKb(appPeak!), cli: peakKb(cliPeak!) };
}

describe('files of hundreds of MB', () => {
  it('cost the shipped analyzer and broapt no more memory than files just past the analyzer head', async () => {
    const small = await peaks(SMALL);
    const large = await peaks(LARGE);
    const report = JSON.stringify({ small, large });
    expect(large.app - small.app, report).toBeLessThan(64 * 1024);
    expect(large.cli - small.cli, report).toBeLessThan(64 * 1024);
    expect(large.app, report).toBeLessThan(BOUND_KB);
    expect(large.cli, report).toBeLessThan(BOUND_KB);
  }, 180_000);
});
