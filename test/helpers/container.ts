import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeWorkspace, type Workspace } from './workspace.ts';

/**
 * The engine options this host needs (podman 4 here: crun fails on its cgroups,
 * runc must not raise nofile/nproc): configuration, taken from the environment
 * when set, as a deployment would set it.
 */
export const ENGINE_ENV: Record<string, string> = {
  BROAPT_CONTAINER_ENGINE: process.env.BROAPT_CONTAINER_ENGINE ?? 'podman',
  BROAPT_CONTAINER_ARGS: process.env.BROAPT_CONTAINER_ARGS ?? '--runtime runc',
  BROAPT_CONTAINER_RUN_ARGS: process.env.BROAPT_CONTAINER_RUN_ARGS ?? '--ulimit nofile=1024:1024 --ulimit nproc=1024:1024',
};

export function engine(args: string[]): string {
  return execFileSync(ENGINE_ENV.BROAPT_CONTAINER_ENGINE!, [...ENGINE_ENV.BROAPT_CONTAINER_ARGS!.split(' '), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A local image holding busybox-static and its applets (no registry is
 * reachable), tagged by the binary's hash so it is imported once per machine.
 */
export function busyboxImage(): string {
  const busybox = '/bin/busybox';
  // The image holds this one binary and nothing else: it must not need a shared library.
  if (spawnSync('ldd', [busybox], { encoding: 'utf8' }).status === 0) throw new Error(`${busybox} is linked dynamically: install busybox-static (scripts/system-deps.sh)`);
  const hash = createHash('sha256').update(fs.readFileSync(busybox)).update('rootfs-v1').digest('hex').slice(0, 16);
  const tag = `localhost/broapt-test-busybox:${hash}`;
  try {
    engine(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return tag;
  } catch {
    // Not there yet: build it.
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-rootfs-'));
  try {
    const root = path.join(dir, 'rootfs');
    for (const sub of ['bin', 'tmp', 'etc', 'root']) fs.mkdirSync(path.join(root, sub), { recursive: true });
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    fs.copyFileSync(busybox, path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    for (const applet of execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if (applet !== 'busybox') fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    }
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = path.join(dir, 'rootfs.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    engine(['import', '--change', 'ENV PATH=/bin', tar, tag]);
    return tag;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Containers a broapt process (by pid) left, in any state. */
export function containersOf(pid: number): string[] {
  return engine(['ps', '-a', '-q', '--filter', 'label=broapt=1', '--filter', `label=broapt.pid=${pid}`]).split('\n').filter(Boolean);
}

/**
 * For a test file that runs apps in containers: the busybox image (built once,
 * before its tests) and fresh workspaces, all removed after the file.
 */
export function useContainerTests(): { image: () => string; workspace: () => Promise<Workspace> } {
  let image: string | undefined;
  const workspaces: Workspace[] = [];
  beforeAll(() => {
    image = busyboxImage();
  });
  afterAll(async () => {
    for (const ws of workspaces.splice(0)) await ws.cleanup();
  });
  return {
    image: () => image ?? busyboxImage(),
    async workspace() {
      const ws = await makeWorkspace();
      workspaces.push(ws);
      return ws;
    },
  };
}
