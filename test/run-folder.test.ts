import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOutputDir, removeRunDir } from '../source/runner/output-dir.ts';

describe('the runs folder', () => {
  it('clears a dead run’s folder even with a mount still on it, and goes on', () => {
    const root = path.join(os.tmpdir(), `broapt-runs-${process.getuid!()}`);
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    // The pid of a process that has ended: its folder is a leftover.
    const dead = spawnSync('true').pid;
    const leftover = fs.mkdtempSync(path.join(root, `out-${dead}-`));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'broapt-test-leftover', leftover]);
    try {
      const made = makeOutputDir(undefined, undefined);
      expect(fs.statSync(made).isDirectory()).toBe(true);
      removeRunDir(made);
      // Unmounted lazily and removed: a dead run's tmpfs does not pile up.
      expect(fs.existsSync(leftover)).toBe(false);
    } finally {
      if (fs.existsSync(leftover)) {
        spawnSync('umount', ['--lazy', leftover]);
        fs.rmSync(leftover, { recursive: true, force: true });
      }
    }
  });
});
