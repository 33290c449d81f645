import fs from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('hostile file names and file kinds', () => {
  it('runs nothing injected, follows no link, opens no FIFO, and keeps every name intact', async () => {
    // An injection would create `pwned` in the command's working directory.
    const pwned = path.join(ws().api, 'example', 'pwned');
    // Reports use the path both quoted and unquoted: neither may execute anything from the name.
    await ws().writeApi(`
example:
  scripts:
    - cat "$BROAPT_PATH" > /dev/null
    - echo $BROAPT_PATH > /dev/null
  report: printf '%s\\n' "$BROAPT_PATH" >> "$SEEN"
`);
    const names = [
      'HTTP-Fx1.a$(touch pwned).application.pdf.pdf',
      'HTTP-Fx2.a`touch pwned`.text.plain.txt',
      'HTTP-Fx3.a;touch pwned;.text.plain.txt',
      'HTTP-Fx4.has spaces and \'quotes\' "double".text.plain.txt',
      'HTTP-Fx5.new\nline.text.plain.txt',
      `HTTP-Fx6.${'p'.repeat(200)}.text.plain.${'x'.repeat(255 - 'HTTP-Fx6.'.length - 200 - '.text.plain.'.length)}`,
      'HTTP-Fx7.glob*?[a].text.plain.txt',
      '-rf.txt',
    ];
    expect(Buffer.byteLength(names[5]!)).toBe(255);
    const files = [];
    for (const name of names) files.push(await ws().addFile(name, 'content'));
    // A link pointing out of the dump folder, a link to a folder outside, and a FIFO.
    const secret = path.join(ws().dir, 'secret.txt');
    await fs.writeFile(secret, 'host secret');
    await fs.symlink(secret, path.join(ws().dump, 'HTTP-Fy1.p.text.plain.txt'));
    await fs.symlink(ws().dir, path.join(ws().dump, 'linked-dir'));
    execFileSync('mkfifo', [path.join(ws().dump, 'HTTP-Fy2.p.text.plain.txt')]);

    const seen = path.join(ws().dir, 'seen');
    const result = await runCli(['scan'], { ...ws().env, SEEN: seen });
    expect(result.code).toBe(0);
    for (const dir of [path.dirname(pwned), ws().dir, ws().dump, process.cwd()]) await expect(fs.access(path.join(dir, 'pwned'))).rejects.toThrow();
    expect(result.stdout).toContain(`${names.length} done, 0 failed, 3 skipped`);
    expect(result.stdout).toMatch(/HTTP-Fy1\.p\.text\.plain\.txt: symlink/);
    expect(result.stdout).toMatch(/linked-dir: symlink/);
    expect(result.stdout).toMatch(/HTTP-Fy2\.p\.text\.plain\.txt: not a regular file/);

    const records = await ws().records();
    expect(records.map((r) => r.path).sort()).toEqual([...files].sort());
    expect(records.some((r) => String(r.path).includes('secret'))).toBe(false);
    // dump.log keeps the newline name on one line and a rerun knows it is done.
    expect(await ws().readLines('dump.log')).toHaveLength(names.length);
    const rerun = await runCli(['scan'], ws().env);
    expect(rerun.stdout).toMatch(/^0 files/);
  });
});

describe('a dump folder that is itself a link', () => {
  it('is followed, because the user named it; links inside it still are not', async () => {
    await ws().writeApi(`
example:
  report: "true"
`);
    const file = await ws().addFile('HTTP-Fz1.p.text.plain.txt', 'x');
    await fs.symlink('/etc', path.join(ws().dump, 'etc-link'));
    const link = path.join(ws().dir, 'dump-link');
    await fs.symlink(ws().dump, link);
    const result = await runCli(['scan'], { ...ws().env, BROAPT_DUMP_PATH: link });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 done, 0 failed, 1 skipped');
    expect((await ws().records()).map((r) => r.path)).toEqual([file]);
  });
});
