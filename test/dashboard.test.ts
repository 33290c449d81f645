import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage } from './helpers/browser.ts';
import { useDaemonInBrowser } from './helpers/daemon-browser.ts';
import { EICAR, scan, TOKEN } from './helpers/daemon.ts';
import { REPO } from './helpers/workspace.ts';

const POLL = { timeout: 15_000, interval: 20 };
/** A file name that is markup: its MIME type comes from the content (text/plain). */
const HOSTILE = '<img src=x onerror="document.title=1">.txt';
/** Kept after the run for a person to look at (gitignored). */
const ARTIFACTS = path.join(REPO, 'test-artifacts');

const run = useDaemonInBrowser(async (ws) => {
  await ws.addFile('HTTP-FEICAR.text.plain.txt', EICAR);
  await ws.addFile('HTTP-FCLEAN.text.plain.txt', 'nothing to see');
  for (let i = 0; i < 2; i++) await ws.addFile(`HTTP-FSLOW${i}.application.x-slow.bin`, 'slow');
  await ws.addFile('HTTP-FBROKEN.application.x-broken.bin', 'x');
  await ws.addFile(HOSTILE, EICAR);
});

describe('dashboard in a real browser', () => {
  it('loads, updates its counters while scans run, and lists the malicious sample', async () => {
    const { page, errors } = await openPage(run.browser);
    await page.goto(`${run.daemon.url}/#token=${TOKEN}`);
    await page.locator('#connection.live').waitFor();
    // The token left the address bar once read.
    expect(page.url()).toBe(`${run.daemon.url}/`);
    expect(await page.textContent('#count-completed')).toBe('0');
    // Record what the counters show at every render: a poll from here could miss a state under load.
    await page.evaluate(`window.seen = {};
      for (const name of ['queued', 'running', 'completed']) {
        const counter = document.getElementById('count-' + name);
        window.seen[name] = [];
        new MutationObserver(() => window.seen[name].push(counter.textContent)).observe(counter, { childList: true, characterData: true, subtree: true });
      }`);

    // One worker: the slow files run one after the other while the rest wait.
    const scans = [
      ...[0, 1].map((i) => scan(run.daemon, { name: `HTTP-FSLOW${i}.application.x-slow.bin`, mime: 'application/x-slow' })),
      scan(run.daemon, { name: 'HTTP-FEICAR.text.plain.txt', mime: 'text/plain' }),
      scan(run.daemon, { name: 'HTTP-FCLEAN.text.plain.txt', mime: 'text/plain' }),
      scan(run.daemon, { name: 'HTTP-FBROKEN.application.x-broken.bin', mime: 'application/x-broken' }),
    ];
    for (const answer of await Promise.all(scans)) expect(answer.status).toBe(200);
    await expect.poll(() => page.textContent('#count-completed'), POLL).toBe('4');
    await expect.poll(() => page.textContent('#count-failed'), POLL).toBe('1');
    // Every value the page showed while the scans ran: files waited, one ran at a time, completions counted up.
    const seen = (await page.evaluate('window.seen')) as Record<string, string[]>;
    expect(seen.running).toContain('1');
    expect(seen.queued!.some((value) => Number(value) >= 1)).toBe(true);
    const completed = seen.completed!.map(Number);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    // Each slow file takes a second, so the page showed a count between none and all (which one depends on arrival order).
    expect(completed.some((n) => n > 0 && n < 4)).toBe(true);
    expect(completed.at(-1)).toBe(4);
    const failure = page.locator('#failures tr');
    expect(await failure.count()).toBe(1);
    expect(await failure.locator('td.file').textContent()).toBe('HTTP-FBROKEN.application.x-broken.bin');
    expect(await failure.textContent()).toContain('exited 3 after 3 attempts');
    expect(await page.textContent('#count-running')).toBe('0');

    const malicious = page.locator('#verdicts tr.verdict-malicious');
    await malicious.waitFor();
    expect(await malicious.locator('td.file').textContent()).toBe('HTTP-FEICAR.text.plain.txt');
    expect(await malicious.locator('td.verdict').textContent()).toBe('malicious');
    expect(await malicious.locator('ul.findings').textContent()).toContain('eicar: EICAR test string (high)');
    // Suspicious slow files are listed too; the clean file is not.
    expect(await page.locator('#verdicts tr.verdict-suspicious').count()).toBe(2);
    expect(await page.locator('#verdicts').textContent()).not.toContain('HTTP-FCLEAN');
    const mimeRows = await page.locator('#mimes tr').allTextContents();
    const textRow = mimeRows.find((row) => row.startsWith('text/plain'));
    expect(textRow).toMatch(/^text\/plain20/);
    expect(textRow).toContain('malicious 1');
    expect(textRow).toContain('clean 1');
    expect(await page.locator('#throughput .bar').count()).toBe(10);
    const perMinute = await page.locator('#throughput .bar span').allTextContents();
    expect(perMinute.reduce((sum, n) => sum + Number(n), 0)).toBe(5);

    await fs.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('asks for the token when it has none, and connects with the one typed in', async () => {
    const page = await run.browser.newPage();
    await page.goto(`${run.daemon.url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.textContent('#connection')).toBe('token needed');
    await page.fill('#token', TOKEN);
    await page.click('#login button');
    await page.locator('#connection.live').waitFor();
    expect(await page.textContent('#count-completed')).toBe('4');
    await page.close();
  });

  it('shows file names and findings as text, never as markup', async () => {
    const page = await run.browser.newPage();
    await page.goto(`${run.daemon.url}/#token=${TOKEN}`);
    await page.locator('#connection.live').waitFor();
    const answer = await scan(run.daemon, { name: HOSTILE, mime: 'text/plain' });
    expect(await answer.json()).toMatchObject({ report: { verdict: 'malicious' } });
    await expect.poll(() => page.locator('#verdicts tr.verdict-malicious').count(), POLL).toBe(2);
    expect(await page.locator('#verdicts td.file').first().textContent()).toBe(HOSTILE);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).toBe('broapt daemon');
    await page.close();
  });
});
