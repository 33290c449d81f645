/**
 * The output folder of isolated runs (issue 13): another local user must not
 * forge a report in it while an app runs (item 3), and an app must not fill
 * the disk through its /tmp or its output folder (item 7). Under `sandbox`
 * and `container` (podman, the real engine); the other user is `nobody`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_ENV, useContainerTests } from './helpers/container.ts';
import { broaptName, startCli, waitFor } from './helpers/workspace.ts';

const containers = useContainerTests();
const FILL = 32 << 20;
const runs = path.join(os.tmpdir(), `broapt-runs-${process.getuid!()}`);

/** Output folders of one broapt process (their names show in `ps`, so an attacker knows them). */
function outputFolders(pid: number): string[] {
  try {
    return fs.readdirSync(runs).filter((name) => name.startsWith(`out-${pid}-`)).map((name) => path.join(runs, name));
  } catch {
    return [];
  }
}

/** What `nobody` manages: replace the report in `dir` with a clean one. */
function forgeAsNobody(dir: string): { status: number | null; stderr: string } {
  const forge = `rm -f "$1/report.json"; printf '{"verdict":"clean"}' > "$1/report.json"`;
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', forge, 'sh', dir], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe.runIf(process.getuid?.() === 0).each(['sandbox', 'container'])('under %s', (runner) => {
  it('another local user cannot write into the output folder while the app runs', async () => {
    const ws = await containers.workspace();
    // The app holds its output folder until the test has tried: a shared folder tells it when.
    const done = path.join(ws.dir, 'signal', 'forged');
    fs.mkdirSync(path.dirname(done), { mode: 0o755 });
    fs.writeFileSync(
      path.join(ws.api, 'api.yml'),
      `example:
  image: ${containers.image()}
  mounts: ['${path.dirname(done)}']
  report: printf '{"verdict":"malicious"}' > "$BROAPT_REPORT"; n=0; while [ ! -e ${done} ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
`,
    );
    const file = path.join(ws.dump, broaptName(1, 'text/plain', 'txt'));
    fs.writeFileSync(file, 'payload');
    const cli = startCli(['scan', '--runner', runner, file], { ...ws.env, ...ENGINE_ENV });
    const pid = cli.child.pid!;
    await waitFor(() => outputFolders(pid).some((dir) => fs.existsSync(path.join(dir, 'report.json'))), 30_000, 'the report in the output folder');
    const attempts = outputFolders(pid).map(forgeAsNobody);
    fs.writeFileSync(done, '');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    for (const attempt of attempts) expect(attempt.stderr).toMatch(/Permission denied/);
    const [record] = await ws.records();
    expect(record?.verdict).toBe('malicious');
  }, 60_000);

  it('an app cannot fill the disk through /tmp or its output folder past limits.disk', async () => {
    const ws = await containers.workspace();
    const fill = (to: string, label: string) => `head -c ${FILL} /dev/zero > ${to} 2>/dev/null; echo "${label} $(wc -c < ${to})"`;
    fs.writeFileSync(
      path.join(ws.api, 'api.yml'),
      `example:
  image: ${containers.image()}
  limits: {disk: 8m}
  report: >-
    ${fill('/tmp/fill', 'TMP')};
    mkdir -p "$BROAPT_CHILDREN" && ${fill('"$BROAPT_CHILDREN/fill"', 'CHILDREN')};
    ${fill('"$(dirname "$BROAPT_REPORT")/fill"', 'OUT')}
`,
    );
    fs.mkdirSync(path.join(ws.api, 'example'), { recursive: true });
    const file = path.join(ws.dump, broaptName(1, 'text/plain', 'txt'));
    fs.writeFileSync(file, 'payload');
    const cli = startCli(['scan', '--runner', runner, file], { ...ws.env, ...ENGINE_ENV });
    const result = await cli.done;
    // The capped folders (tmpfs kept for the next command) go with the process.
    expect(outputFolders(cli.child.pid!)).toEqual([]);
    const [record] = await ws.records();
    expect(record, result.stderr).toBeDefined();
    const log = fs.readFileSync((record!.commands as Array<{ log: string }>)[0]!.log, 'utf8');
    const written = (label: string) => Number(new RegExp(`^${label} (\\d+)$`, 'm').exec(log)?.[1]);
    // The children's folder is inside the output folder: they share its cap.
    for (const label of ['TMP', 'CHILDREN']) expect(written(label), log).toBeGreaterThan(0);
    expect(written('TMP'), log).toBeLessThanOrEqual(8 << 20);
    expect(written('CHILDREN') + written('OUT'), log).toBeLessThanOrEqual(8 << 20);
  }, 60_000);

  it("broapt does not take host files through a link the app left in place of $BROAPT_CHILDREN", async () => {
    const ws = await containers.workspace();
    const victim = path.join(ws.dir, 'victim');
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(victim, 'keep.txt'), 'host file');
    fs.writeFileSync(path.join(ws.api, 'api.yml'), `example:\n  image: ${containers.image()}\n  report: rm -rf "$BROAPT_CHILDREN" && ln -s ${victim} "$BROAPT_CHILDREN"\n`);
    const file = path.join(ws.dump, broaptName(1, 'text/plain', 'txt'));
    fs.writeFileSync(file, 'payload');
    const result = await startCli(['scan', '--runner', runner, file], { ...ws.env, ...ENGINE_ENV }).done;
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readdirSync(victim)).toEqual(['keep.txt']);
  }, 60_000);
});
