import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOutputDir } from '../source/runner/run-folder.ts';

describe('the runs folder', () => {
  it('leaves a dead run’s folder it cannot remove (a mount still on it) for later, and goes on', () => {
    const root = path.join(os.tmpdir(), `broapt-runs-${process.getuid!()}`);
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    // The pid of a process that has ended: its folder is a leftover.
    const dead = spawnSync('true').pid;
    const leftover = fs.mkdtempSync(path.join(root, `out-${dead}-`));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'broapt-test-leftover', leftover]);
    try {
      const made = makeOutputDir();
      expect(fs.statSync(made).isDirectory()).toBe(true);
      fs.rmSync(made, { recursive: true });
    } finally {
      execFileSync('umount', [leftover]);
      fs.rmSync(leftover, { recursive: true, force: true });
    }
  });
});
