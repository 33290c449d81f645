/**
 * The runner contract: one api.yml, the same app behaviours, run by `scan`
 * under each runner (`--runner host|sandbox|container`, podman through the real
 * engine): environment and workdir, the report file, exit codes, retry, and a
 * timeout that leaves no process or container behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersOf, useContainerTests, engine, ENGINE_ENV } from './helpers/container.ts';
import { broaptName, startCli, waitFor, type Workspace } from './helpers/workspace.ts';

const containers = useContainerTests();

/** Unique to this file, so pgrep finds only our timed-out command. */
const SLEEP = '47.123';

function apiYml(state: string): string {
  return `environment:
  GREETING: hello  world
example:
  image: ${containers.image()}
  report: 'true'
text:
  x-env:
    image: ${containers.image()}
    environ:
      LEVEL: \${GREETING}!
    report: >-
      printf '{"verdict":"suspicious","score":42,"findings":[{"rule":"env","description":"%s|%s|%s|%s","severity":"low"}],"details":{}}'
      "$LEVEL" "$PWD" "$BROAPT_MIME" "$(cat "$BROAPT_PATH")" > "$BROAPT_REPORT"
  x-children:
    image: ${containers.image()}
    report: >-
      mkdir -p "$BROAPT_CHILDREN/sub" && echo inner > "$BROAPT_CHILDREN/sub/inner.txt" &&
      printf '{"verdict":"clean","details":{"children":[{"path":"sub/inner.txt","member":"sub/inner.txt"}]}}' > "$BROAPT_REPORT"
  x-exit:
    image: ${containers.image()}
    report: echo going to fail; exit 3
  x-flaky:
    image: ${containers.image()}
    mounts: ['${state}:${state}:rw']
    environ:
      STATE: ${state}
    report: n=$(cat "$STATE/count" 2>/dev/null || echo 0); echo $((n + 1)) > "$STATE/count"; test "$n" -ge 1
  x-slow:
    image: ${containers.image()}
    timeout: 1
    report: echo started; sleep ${SLEEP}; echo never
`;
}

interface Run {
  ws: Workspace;
  records: Record<string, Record<string, unknown>>;
  /** Records of entries that are not our files: the unpacked children. */
  children: Array<Record<string, unknown>>;
  code: number | null;
  pid: number;
  stderr: string;
}

async function scanWith(runner: string): Promise<Run> {
  const ws = await containers.workspace();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-state-'));
  fs.chmodSync(state, 0o777);
  fs.mkdirSync(path.join(ws.api, 'text', 'x-env'), { recursive: true });
  fs.writeFileSync(path.join(ws.api, 'api.yml'), apiYml(state));
  for (const sub of ['example', 'text/x-children', 'text/x-exit', 'text/x-flaky', 'text/x-slow']) fs.mkdirSync(path.join(ws.api, sub), { recursive: true });
  const names = { children: broaptName(5, 'text/x-children', 'txt'), env: broaptName(1, 'text/x-env', 'txt'), exit: broaptName(2, 'text/x-exit', 'txt'), flaky: broaptName(3, 'text/x-flaky', 'txt'), slow: broaptName(4, 'text/x-slow', 'txt') };
  for (const [kind, name] of Object.entries(names)) fs.writeFileSync(path.join(ws.dump, name), `content-${kind}`);
  const cli = startCli(['scan', '--runner', runner, '--jobs', '2', '--max-retry', '2'], { ...ws.env, ...ENGINE_ENV });
  const result = await cli.done;
  fs.rmSync(state, { recursive: true, force: true });
  const records: Record<string, Record<string, unknown>> = {};
  const children: Array<Record<string, unknown>> = [];
  for (const record of await ws.records()) {
    const kind = Object.entries(names).find(([, name]) => record.path === path.join(ws.dump, name))?.[0];
    if (kind) records[kind] = record;
    else children.push(record);
  }
  return { ws, records, children, code: result.code, pid: cli.child.pid!, stderr: result.stderr };
}

type Command = { exitCode: number | null; timedOut: boolean; attempts: number; log: string };
const command = (record: Record<string, unknown> | undefined): Command => (record?.commands as Command[])[0]!;

/** A stopped container labelled as broapt's, owned by `pid`. */
function leftover(pid: number): string {
  return engine(['create', '--label', 'broapt=1', '--label', `broapt.host=${os.hostname()}`, '--label', `broapt.pid=${pid}`, containers.image(), 'true']).trim();
}

describe.each(['host', 'sandbox', 'container'])('runner %s keeps the app contract', (runner) => {
  let run: Run;
  let orphan = '';
  let kept = '';

  beforeAll(async () => {
    if (runner === 'container') {
      // One left by a broapt that is gone (no such pid), one of a live one (this test).
      orphan = leftover(2 ** 22 + 1);
      kept = leftover(process.pid);
    }
    run = await scanWith(runner);
  }, 60_000);

  afterAll(() => {
    if (kept) engine(['rm', '-f', kept]);
  });

  // Registered for the container runner only: the other runners have no containers to remove.
  if (runner === 'container') it("removes a dead broapt's containers at start-up, not a live one's", () => {
    const all = engine(['ps', '-a', '-q', '--no-trunc']);
    expect(all).not.toContain(orphan);
    expect(all).toContain(kept);
  });

  it('runs every file once and exits 1 for the failures', () => {
    expect(Object.keys(run.records).sort(), run.stderr).toEqual(['children', 'env', 'exit', 'flaky', 'slow']);
    expect(run.code).toBe(1);
  });

  it('gives the app its environment and workdir, and takes its report file', () => {
    const record = run.records.env!;
    expect(record.status).toBe('done');
    expect(record.verdict).toBe('suspicious');
    expect(record.score).toBe(42);
    const [finding] = record.findings as Array<{ description: string }>;
    expect(finding!.description).toBe(`hello  world!|${path.join(run.ws.api, 'text', 'x-env')}|text/x-env|content-env`);
  });

  it('takes the files the app unpacked into $BROAPT_CHILDREN as child entries', () => {
    expect(run.records.children!.status).toBe('done');
    const child = run.children.find((record) => String(record.path).endsWith('/sub/inner.txt'));
    expect(child, JSON.stringify(run.children)).toBeDefined();
    expect(child!.status).toBe('done');
  });

  it('reports the exit code of a failing command after all its attempts', () => {
    const record = run.records.exit!;
    expect(record.status).toBe('failed');
    expect(command(record)).toMatchObject({ exitCode: 3, timedOut: false, attempts: 2 });
    expect(fs.readFileSync(command(record).log, 'utf8').match(/^going to fail$/gm)).toHaveLength(2);
  });

  it('retries a failed attempt, and the second one succeeds', () => {
    expect(run.records.flaky!.status).toBe('done');
    expect(command(run.records.flaky)).toMatchObject({ exitCode: 0, attempts: 2 });
  });

  it('kills a command at its timeout and leaves no process or container behind', () => {
    const record = run.records.slow!;
    expect(record.status).toBe('failed');
    expect(command(record)).toMatchObject({ timedOut: true, attempts: 2 });
    const log = fs.readFileSync(command(record).log, 'utf8');
    expect(log).toContain('started');
    expect(log).not.toMatch(/^never$/m);
    expect(log).toContain('# exit: timeout after 1s');
    const left = (() => {
      try {
        return execFileSync('pgrep', ['-f', `sleep ${SLEEP}`], { encoding: 'utf8' });
      } catch {
        return '';
      }
    })();
    expect(left).toBe('');
    if (runner === 'container') expect(containersOf(run.pid)).toEqual([]);
  });
});

describe('a forced exit', () => {
  it('removes the containers still running (killing the engine client does not stop them)', async () => {
    const ws = await containers.workspace();
    fs.writeFileSync(path.join(ws.api, 'api.yml'), `example:\n  image: ${containers.image()}\n  report: sleep 300\n`);
    fs.writeFileSync(path.join(ws.dump, broaptName(1, 'text/plain', 'txt')), 'x');
    const cli = startCli(['scan', '--runner', 'container'], { ...ws.env, ...ENGINE_ENV });
    const pid = cli.child.pid!;
    await waitFor(() => containersOf(pid).length === 1, 30_000, 'the container');
    cli.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(143);
    expect(containersOf(pid)).toEqual([]);
  }, 60_000);
});

describe('the shipped apps under the sandbox', () => {
  it('run warm and find EICAR (Node, YARA and ClamAV inside, the repository read-only)', async () => {
    const ws = await containers.workspace();
    const eicar = path.join(ws.dump, 'eicar.txt');
    fs.writeFileSync(eicar, 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n');
    const { BROAPT_API_ROOT: _shipped, ...env } = ws.env;
    const result = await startCli(['scan', '--runner', 'sandbox', '--jobs', '1', eicar], env).done;
    const [record] = await ws.records();
    expect(record?.verdict, result.stderr).toBe('malicious');
    expect((record?.findings as Array<{ rule: string }>).map((finding) => finding.rule)).toEqual(expect.arrayContaining(['yara.eicar_test_file']));
  }, 60_000);
});
