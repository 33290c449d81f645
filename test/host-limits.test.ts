/**
 * The host runner applies an app's `limits.memory` itself, as RLIMIT_DATA (as
 * the sandbox does with prlimit --data), cold and warm: an app that writes
 * 200 MB (perl, which fails fast) under a 64 MiB limit is stopped, the same app without the limit is not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const HOG = `perl -e '$x = "a" x 200000000; print "SURVIVED ", length($x), "\\n"'`;
/** Warm: the same per request, told on stderr (stdout carries the answers). */
const WARM_HOG = `while read -r line; do ${HOG} >&2; echo '{}'; done`;

describe('the host runner', () => {
  it('stops an app past its limits.memory, cold and warm, and leaves an app without one alone', async () => {
    await ws().writeApi(`
example:
  report: 'true'
text:
  x-limited:
    limits: {memory: 64m}
    report: ${JSON.stringify(HOG)}
  x-warm:
    limits: {memory: 64m}
    warm: true
    report: ${JSON.stringify(WARM_HOG)}
  x-free:
    report: ${JSON.stringify(HOG)}
`);
    const files = ['x-limited', 'x-warm', 'x-free'].map((kind, i) => path.join(ws().dump, broaptName(i + 1, `text/${kind}`, 'txt')));
    for (const file of files) fs.writeFileSync(file, 'payload');
    const result = await runCli(['scan', '--runner', 'host', '--max-retry', '1', ...files], ws().env);
    const records = await ws().records();
    expect(records, result.stderr).toHaveLength(3);
    const logOf = (file: string) => {
      const record = records.find((r) => r.path === file)!;
      return fs.readFileSync((record.commands as Array<{ log: string }>)[0]!.log, 'utf8');
    };
    expect(logOf(files[0]!)).not.toContain('SURVIVED 200000000');
    expect(logOf(files[1]!)).not.toContain('SURVIVED 200000000');
    expect(logOf(files[2]!)).toContain('SURVIVED 200000000');
  }, 60_000);
});
