import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireFixtures } from './helpers/fixtures.ts';
import { REPO } from './helpers/workspace.ts';

describe('the detection table over the shipped apps', () => {
  // About 40 files through two apps each: 20 s alone, a minute or more beside the rest of the suite.
  it('flags every known-bad sample with its expected finding and calls no benign sample malicious', { timeout: 240_000 }, (context) => {
    const fixtures = requireFixtures(context);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-detections-'));
    try {
      const run = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'detection-table.ts'), '--quick', '--dir', path.join(dir, 'run'), '--fixtures', fixtures], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') },
      });
      expect(run.stdout).toMatch(/known-bad: (\d+)\/\1 flagged with the expected finding; benign: (\d+)\/\2 not malicious/);
      expect(run.stdout).toMatch(/^EICAR, zip in zip\s+clamav\.Broapt\.Test\.EICAR\s+malicious\s+80\s+yes/m);
      expect(run.stdout).toMatch(/^Word \.doc with an AutoOpen macro\s+\S+\s+malicious\s+80\s+yes/m);
      expect(run.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
