/**
 * `broapt capture` on a real network tap: two network namespaces made by the
 * test, joined by a veth pair; tcpreplay sends a Zeek trace from one end,
 * dumpcap captures on the other, `watch-pcaps --engine tshark` extracts what
 * was handed over. Nothing reaches the host's own network namespace.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { requireFixtures } from './helpers/fixtures.ts';
import { BIN, runCli, startCli, useWorkspace, waitFor, type CliResult } from './helpers/workspace.ts';

const workspace = useWorkspace();
const ID = randomBytes(3).toString('hex');
const TAP = `broapt-tap-${ID}`;
const REPLAY = `broapt-replay-${ID}`;
const TAP_IF = `btap${ID}`;
const REPLAY_IF = `brep${ID}`;
/** The HTTP body of get.pcap, as the trace's Zeek files.log gives it (zeek-logs/tsv/zeek-3.3.0-dev-btest/http-get). */
const GET_BODY_SHA256 = '4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18';

let noNamespace: string | undefined;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  try {
    ip('netns', 'add', TAP);
    ip('netns', 'add', REPLAY);
    ip('link', 'add', TAP_IF, 'netns', TAP, 'type', 'veth', 'peer', 'name', REPLAY_IF, 'netns', REPLAY);
    ip('-n', TAP, 'link', 'set', TAP_IF, 'up');
    ip('-n', REPLAY, 'link', 'set', REPLAY_IF, 'up');
  } catch (error) {
    noNamespace = `cannot make a network namespace with a veth pair here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); run as root`;
  }
});

afterAll(() => {
  // Deleting a namespace deletes the veth end in it, and so the pair.
  for (const ns of [TAP, REPLAY]) spawnSync('ip', ['netns', 'delete', ns]);
});

function requireNamespace(context: TestContext): void {
  if (noNamespace === undefined) return;
  if (process.env.CI === 'true') throw new Error(noNamespace);
  context.skip(noNamespace);
}

/** `broapt capture` inside the tap namespace (ip netns exec runs node itself, so signals reach it). */
function startCapture(args: string[], env: Record<string, string>) {
  const child = spawn('ip', ['netns', 'exec', TAP, process.execPath, BIN, 'capture', '--interface', TAP_IF, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr })));
  return { child, done, stderr: () => stderr };
}

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('broapt capture', () => {
  test('captures replayed traffic into rotating files that watch-pcaps extracts: the HTTP body is the one Zeek logged', async (context) => {
    requireNamespace(context);
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi("example:\n  report: 'true'\n");
    const folder = path.join(ws.dir, 'pcaps');
    // A capture another writer still holds in the spool: watch-pcaps must pass it over.
    await mkdir(path.join(folder, '.capturing'), { recursive: true });
    const held = path.join(folder, '.capturing', 'held-open.pcap');
    await copyFile(path.join(fixtures, 'pcaps/zeek-btest-traces/http/flash-version.pcap'), held);
    const env = { ...ws.env, BROAPT_LOG_LEVEL: 'info' };
    const watcher = startCli(['watch-pcaps', '--engine', 'tshark', '--settle-time', '0.2', folder], env);
    const cap = startCapture(['--rotate', '2', '--pcap-path', folder, '--filter', 'tcp'], env);
    await waitFor(() => cap.stderr().includes('Capturing on'), 20_000, 'dumpcap to start');
    execFileSync('ip', ['netns', 'exec', REPLAY, 'tcpreplay', `--intf1=${REPLAY_IF}`, path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap')], { stdio: 'ignore' });
    // tcpreplay returns once it has sent; on a busy machine dumpcap has not read every packet yet, and a
    // stop drops what is still in the socket buffer (4 of 9 packets seen under load): let it catch up.
    const spooled = async () => (await Promise.all((await readdir(path.join(folder, '.capturing'))).filter((name) => name !== 'held-open.pcap').map(async (name) => (await stat(path.join(folder, '.capturing', name))).size))).reduce((a, b) => a + b, 0);
    await waitFor(async () => (await spooled()) >= 5_000, 20_000, 'dumpcap to write the replayed packets').catch(() => undefined);
    cap.child.kill('SIGTERM');
    const captured = await cap.done;
    expect(captured.code, captured.stderr).toBe(0);
    expect(captured.stderr).toContain('capture handed over');
    const ours = (pcap: string) => path.dirname(pcap) === folder && path.basename(pcap).startsWith(`broapt-${TAP_IF}_`);
    // Rotation every 2 s may hand over a capture from before the replay first: wait for the body, not for any capture.
    const bodies = async () => {
      const extracted = (await readdir(ws.dump, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
      return Promise.all(extracted.map((entry) => sha256(path.join(entry.parentPath, entry.name))));
    };
    await waitFor(async () => (await bodies()).includes(GET_BODY_SHA256), 60_000, 'watch-pcaps to extract the replayed HTTP body').catch(() => undefined);
    watcher.child.kill('SIGTERM');
    await watcher.done;
    expect(await bodies()).toContain(GET_BODY_SHA256);
    const processed = await ws.readLines('processed_pcaps.log' as 'dump.log');
    expect(processed).not.toContain(held);
    expect(processed.every(ours)).toBe(true);
  }, 120_000);

  test('keeps the ring buffer within --ring-files: the oldest captures go first', async (context) => {
    requireNamespace(context);
    const fixtures = requireFixtures(context);
    const ws = workspace();
    const folder = path.join(ws.dir, 'pcaps');
    await mkdir(path.join(folder, '.capturing'), { recursive: true });
    // Three closed files a killed capture left in its spool, oldest first by dumpcap's numbering.
    const left = [1, 2, 3].map((n) => `broapt-${TAP_IF}_0000${n}_20260101000000.pcap`);
    for (const name of left) await copyFile(path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap'), path.join(folder, '.capturing', name));
    const cap = startCapture(['--rotate-size', '1', '--ring-files', '2', '--pcap-path', folder], { ...ws.env, BROAPT_LOG_LEVEL: 'info' });
    await waitFor(() => cap.stderr().includes('Capturing on'), 20_000, 'dumpcap to start');
    cap.child.kill('SIGUSR1');
    const captured = await cap.done;
    expect(captured.code, captured.stderr).toBe(0);
    expect((await readdir(folder)).filter((name) => name.endsWith('.pcap')).sort()).toEqual(left.slice(1));
    expect(captured.stderr).toContain('ring buffer full');
  }, 60_000);

  test('refuses a capture without rotation in one line, exit 2', async () => {
    const ws = workspace();
    const result = await runCli(['capture', '--interface', 'lo', '--pcap-path', ws.dir], ws.env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('--rotate')]);
  });

  test('an interface that does not exist is a one-line error, exit 2', async (context) => {
    requireNamespace(context);
    const ws = workspace();
    const cap = startCapture(['--rotate', '1', '--pcap-path', ws.dir, '--interface', 'nosuchif0'], ws.env);
    const result = await cap.done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dumpcap could not capture on "nosuchif0"');
  }, 30_000);
});
