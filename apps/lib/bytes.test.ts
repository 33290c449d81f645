/**
 * digestFile (the VirusTotal app's hashing) refuses a FIFO swapped in for the
 * file instead of blocking on it until the command's timeout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

it('refuses a FIFO at once instead of waiting for a writer', () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-bytes-'));
  const fifo = path.join(dir, 'sample');
  execFileSync('mkfifo', [fifo]);
  // In a process of its own: a blocking open would hang this one beyond any test timeout.
  const module = fileURLToPath(new URL('./bytes.ts', import.meta.url));
  const code = `const { digestFile } = await import(${JSON.stringify(module)});
    try { digestFile(process.argv[1]); console.log('hashed'); } catch (error) { console.log('refused:', error.message); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code, fifo], { encoding: 'utf8', timeout: 20_000 });
  expect(result.signal, 'digestFile hung on the FIFO').toBeNull();
  expect(result.stdout).toContain('refused:');
});
