import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeLaunchers, launch, quote } from '../source/runner/launcher.ts';

const NASTY = ["'", '"', '\\', '$', '`', '\n', ';', '&', '|', '(', ')', ' ', '*', '?', '~', '#', '!', '{', '}', '<', '>', 'a', 'é', '\t', '\r', '%', '$(', '${'];

function nasty(length: number): string {
  return Array.from({ length }, () => NASTY[randomInt(NASTY.length)]).join('');
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-launcher-'));
afterAll(() => {
  closeLaunchers();
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = { cwd: dir, logFile: path.join(dir, 'log'), header: '', timeoutMs: 10_000 };

describe('quote', () => {
  it('makes the shell read 500 random hostile strings back byte for byte', () => {
    const strings = Array.from({ length: 500 }, (_, i) => nasty(1 + (i % 40)));
    const script = strings.map((s) => `printf '%s\\0' ${quote(s)}`).join('\n');
    const out = execFileSync('/bin/sh', ['-c', script], { cwd: dir });
    expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(strings);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('launch', () => {
  it('passes hostile values only as data: environment, working directory and log path', async () => {
    for (let i = 0; i < 50; i++) {
      const value = nasty(30);
      const cwd = path.join(dir, `cwd ${i} ${nasty(8).replace(/[/\0]/g, '_')}`);
      fs.mkdirSync(cwd);
      const logFile = path.join(cwd, `log '${i}' $(x)`);
      const outcome = await launch({ ...base, cwd, logFile, env: { BROAPT_PATH: value }, command: 'printf %s "$BROAPT_PATH" > out; pwd > where' });
      expect(outcome).toEqual({ exitCode: 0, signal: null, timedOut: false });
      expect(fs.readFileSync(path.join(cwd, 'out'), 'utf8')).toBe(value);
      expect(fs.readFileSync(path.join(cwd, 'where'), 'utf8')).toBe(`${cwd}\n`);
      expect(fs.readdirSync(cwd).sort()).toEqual([path.basename(logFile), 'out', 'where'].sort());
    }
  });

  it('gives a command that uses $$ a shell of its own, as sh -c would', async () => {
    const first = await launch({ ...base, env: {}, command: 'echo $$ > pid1' });
    const second = await launch({ ...base, env: {}, command: 'echo ${$} > pid2; kill -TERM $$' });
    expect(first.exitCode).toBe(0);
    expect(second).toMatchObject({ exitCode: 143, signal: 'SIGTERM' });
    const [a, b] = ['pid1', 'pid2'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim());
    expect(a).not.toBe(b);
    // The launcher survived its command's `kill $$`.
    expect(await launch({ ...base, env: {}, command: 'true' })).toMatchObject({ exitCode: 0 });
  });

  it('refuses values no shell can carry instead of truncating them', async () => {
    expect((await launch({ ...base, env: { X: 'a\0b' }, command: 'true' })).error).toMatch(/NUL byte/);
    expect((await launch({ ...base, env: { 'BAD-NAME': 'x' }, command: 'true' })).error).toMatch(/not a valid environment variable name/);
  });

  it('keeps working after a timeout killed its launcher', async () => {
    const hung = await launch({ ...base, env: {}, command: 'sleep 30', timeoutMs: 200 });
    expect(hung).toMatchObject({ timedOut: true, exitCode: null });
    expect(await launch({ ...base, env: {}, command: 'exit 7' })).toMatchObject({ exitCode: 7, timedOut: false });
  });
});
