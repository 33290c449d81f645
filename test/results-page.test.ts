import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportLogs } from '../source/report/logs.ts';
import { openPage } from './helpers/browser.ts';
import { useDaemonInBrowser } from './helpers/daemon-browser.ts';
import { EICAR, scan, TOKEN } from './helpers/daemon.ts';
import { fileRecord } from './helpers/records.ts';
import { REPO } from './helpers/workspace.ts';

/** A member name that is markup: it must show as text. */
const HOSTILE = '<img src=x onerror="document.title=1">.js';
/** Kept after the run for a person to look at: the test-artifacts folder (gitignored) and /tmp for the closing note. */
const SCREENSHOTS = [path.join(REPO, 'test-artifacts', 'results-page.png'), '/tmp/results-page.png'];
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const run = useDaemonInBrowser(async (ws) => {
  await ws.addFile('HTTP-FEICAR.text.plain.txt', EICAR);
  // Records of an earlier run: a zip whose inner zip holds the malware, a suspicious page, clean files, a failure.
  const logs = await ReportLogs.open(ws.logs, { json: false });
  const zip = { mime: 'application/zip', app: 'application/zip' };
  logs.write(fileRecord(1, { time: minutesAgo(50), verdict: 'clean', findings: [], score: 0 }));
  logs.write(fileRecord(2, { time: minutesAgo(40), fuid: 'FZIPMEMBERINNER01', parentFuid: 'FOUTERZIP00000001', archivePath: 'docs/inner.zip', ...zip, verdict: 'malicious', score: 100 }));
  logs.write(fileRecord(3, { time: minutesAgo(40), fuid: 'FZIPMEMBERLEAF001', parentFuid: 'FZIPMEMBERINNER01', archivePath: HOSTILE, mime: 'text/javascript', verdict: 'malicious', score: 100, findings: [{ app: 'scan', rule: 'yara.dropper', description: 'drops a PE', severity: 'high' }] }));
  logs.write(fileRecord(4, { time: minutesAgo(39), fuid: 'FOUTERZIP00000001', path: '/dump/application/zip/HTTP-FOUTERZIP00000001.capture.application.zip.zip', ...zip, verdict: 'malicious', score: 100, findings: [{ app: 'archive', rule: 'archive.member.malicious', description: 'member "docs/inner.zip" is malicious', severity: 'high' }] }));
  logs.write(fileRecord(5, { time: minutesAgo(30), verdict: 'suspicious', mime: 'text/html', findings: [{ app: 'html', rule: 'hidden-iframe', description: '1 hidden iframe(s)', severity: 'medium' }] }));
  logs.write(fileRecord(6, { time: minutesAgo(20), status: 'failed', reason: 'exited 3 after 3 attempts', verdict: undefined, score: undefined, findings: undefined }));
  await logs.close();
});

describe('the Results page in a real browser', () => {
  it('lists the records newest first, filters by verdict, and shows an archive as a tree of its members', async () => {
    const { page, errors } = await openPage(run.browser);
    // A file the daemon analyses now is on the page too: the index catches up with its record.
    expect((await scan(run.daemon, { name: 'HTTP-FEICAR.text.plain.txt', mime: 'text/plain' })).status).toBe(200);
    await page.goto(`${run.daemon.url}/results#token=${TOKEN}`);
    await page.locator('#connection.live').waitFor();
    expect(page.url()).toBe(`${run.daemon.url}/results`);

    const files = () => page.locator('#results > tr td.file').allTextContents();
    expect((await files())[0]).toBe('HTTP-FEICAR.text.plain.txt');
    expect(await page.locator('#results > tr td.verdict').allTextContents()).toEqual(['malicious', 'failed', 'suspicious', 'malicious', 'malicious', 'malicious', 'clean']);
    expect(await page.textContent('#range')).toBe('1–7 of 7');

    await page.selectOption('#verdict', 'malicious');
    await expect.poll(() => page.locator('#results > tr').count()).toBe(4);
    expect(await page.textContent('#range')).toBe('1–4 of 4');
    const outer = page.locator('#results > tr', { hasText: 'HTTP-FOUTERZIP00000001' });
    expect(await outer.locator('ul.findings').first().textContent()).toContain('archive.member.malicious: member "docs/inner.zip" is malicious (high)');
    expect(await outer.locator('details.members summary').textContent()).toBe('1 unpacked member');
    // The tree: the inner zip, and in it the malicious script.
    const inner = outer.locator('ul.tree > li').first();
    expect(await inner.locator('> .member .file').textContent()).toBe('docs/inner.zip');
    const leaf = inner.locator('ul.tree > li');
    expect(await leaf.locator('.member .file').textContent()).toBe(HOSTILE);
    expect(await leaf.getAttribute('class')).toBe('verdict-malicious');
    expect(await leaf.locator('ul.findings').textContent()).toBe('yara.dropper: drops a PE (high)');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).toBe('broapt results');

    await page.selectOption('#verdict', 'suspicious');
    await expect.poll(() => page.locator('#results > tr td.verdict').allTextContents()).toEqual(['suspicious']);
    await page.selectOption('#verdict', 'malicious');
    await expect.poll(() => page.locator('#results > tr').count()).toBe(4);
    for (const file of SCREENSHOTS) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses the results route without the token, and a verdict it does not know', async () => {
    expect((await run.daemon.request('/api/v1.0/results', { token: null })).status).toBe(401);
    const bad = await run.daemon.request('/api/v1.0/results?verdict=evil');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'E_BAD_QUERY' });
  });
});
