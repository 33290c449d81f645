import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eicar } from '../source/demo/samples.ts';
import { addSample, EICAR_API, EICAR_HASHES, fuidOf, spoolStates, writeCaptureLogs } from './helpers/alerts.ts';
import { BIN, REPO, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const RECIPE = path.join(REPO, 'scripts', 'alert-nft-block.sh');

describe('BROAPT_ALERT_COMMAND', () => {
  it('runs once per alert with the alert on stdin and in BROAPT_ALERT_* variables, never in its text, and retries after a timeout', async () => {
    await ws().writeApi(EICAR_API);
    await writeCaptureLogs(ws().logs, [1, 2]);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, false);
    // A hostile name: were it put into the command's text, the shell would run what it holds.
    const hostile = await ws().addFile('x$(touch PWNED);`touch PWNED2`.txt', eicar());
    const out = path.join(ws().dir, 'out');
    await fs.mkdir(out);
    // The first run hangs past the timeout; it is killed and the alert is run again.
    const command = `cd "$OUT" && if [ ! -e hung ]; then touch hung; sleep 30; fi; cat > "alert-$BROAPT_ALERT_FUID.json"; printf '%s\\n' "$BROAPT_ALERT_PATH" >> paths; env | grep '^BROAPT_ALERT_' | sort > "env-$BROAPT_ALERT_FUID"`;
    const result = await runCli(['scan'], { ...ws().env, OUT: out, BROAPT_ALERT_COMMAND: command, BROAPT_ALERT_TIMEOUT: '1', BROAPT_ALERT_SECRET: 'not-for-the-command' });
    expect(result.code, result.stderr).toBe(0);

    const paths = (await fs.readFile(path.join(out, 'paths'), 'utf8')).trim().split('\n').sort();
    expect(paths).toEqual([path.join(ws().dump, 'HTTP-F00000000000000001.test.text.plain.txt'), hostile].sort());
    expect(await fs.readdir(ws().dir)).not.toContain('PWNED');
    expect(await fs.readdir(out)).not.toContain('PWNED');
    const alert = JSON.parse(await fs.readFile(path.join(out, `alert-${fuidOf(1)}.json`), 'utf8')) as Record<string, unknown>;
    expect(alert).toMatchObject({ fuid: fuidOf(1), verdict: 'malicious', sender: '203.0.113.1', ...EICAR_HASHES });
    const env = await fs.readFile(path.join(out, `env-${fuidOf(1)}`), 'utf8');
    expect(env).toContain(`BROAPT_ALERT_SHA256=${EICAR_HASHES.sha256}\n`);
    expect(env).toContain('BROAPT_ALERT_SENDER=203.0.113.1\n');
    expect(env).toContain('BROAPT_ALERT_RULES=eicar_test_file\n');
    expect(env).not.toContain('BROAPT_ALERT_SECRET');
    expect(await spoolStates(ws().logs)).toEqual([expect.objectContaining({ output: 'command', pending: 0, delivered: 2, failed: 1 })]);
  }, 60_000);
});

describe('BROAPT_QUARANTINE', () => {
  it('copies each alerting file as <sha256> (mode 0400) beside <sha256>.json with its record, and nothing else', async () => {
    await ws().writeApi(EICAR_API);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, false);
    const quarantine = path.join(ws().dir, 'quarantine');
    const result = await runCli(['scan'], { ...ws().env, BROAPT_QUARANTINE: quarantine });
    expect(result.code, result.stderr).toBe(0);
    expect((await fs.readdir(quarantine)).sort()).toEqual([EICAR_HASHES.sha256, `${EICAR_HASHES.sha256}.json`]);
    const copy = path.join(quarantine, EICAR_HASHES.sha256);
    expect((await fs.stat(copy)).mode & 0o777).toBe(0o400);
    expect(await fs.readFile(copy)).toEqual(eicar());
    const record = JSON.parse(await fs.readFile(`${copy}.json`, 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ fuid: fuidOf(1), verdict: 'malicious', sha256: EICAR_HASHES.sha256 });
  });
});

/** Whether this machine lets the test make a network namespace of its own (unprivileged user namespaces, or root). */
const namespaces = spawnSync('unshare', ['-rn', 'nft', 'list', 'ruleset'], { stdio: 'ignore' }).status === 0;

describe('the nftables recipe (scripts/alert-nft-block.sh)', () => {
  it.runIf(namespaces)('adds the sender of each alerting file to an nftables set, in a network namespace of the test', async () => {
    await ws().writeApi(EICAR_API);
    await writeCaptureLogs(ws().logs, [1, 2, 3]);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, false);
    await addSample(ws(), 3, true);
    const script = [
      'nft add table inet broapt',
      "nft add set inet broapt blocked '{ type ipv4_addr; }'",
      `"${process.execPath}" "${BIN}" scan >/dev/null`,
      'nft list set inet broapt blocked',
    ].join(' && ');
    const listing = execFileSync('unshare', ['-rn', 'sh', '-c', script], { env: { ...process.env, ...ws().env, BROAPT_ALERT_COMMAND: RECIPE }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(listing).toMatch(/elements = \{ 203\.0\.113\.1, 203\.0\.113\.3 \}/);
  }, 60_000);

  it('prints the command it would run on a dry run, and refuses a sender that is no IP address', () => {
    const run = (sender: string) => spawnSync(RECIPE, { env: { ...process.env, NFT_DRY_RUN: '1', BROAPT_ALERT_ID: 'F1:abc', BROAPT_ALERT_SENDER: sender }, encoding: 'utf8' });
    expect(run('203.0.113.7').stdout).toBe('nft add element inet broapt blocked { 203.0.113.7 }\n');
    const hostile = run('1.2.3.4 }; flush ruleset; add element inet broapt blocked { 5.6.7.8');
    expect(hostile.status).toBe(0);
    expect(hostile.stdout).toBe('');
    expect(hostile.stderr).toContain('not an IP address');
  });
});
