#!/usr/bin/env node
// broapt runs its TypeScript sources directly through Node's type stripping, on by
// default from Node 22.18 and 23.6. Node 22.12 to 22.17 has it behind a flag: run
// again with the flag (pool workers inherit it). Older Nodes get a plain message
// instead of a failure on the first type annotation.
import { spawnSync } from 'node:child_process';

if (!process.features.typescript) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) {
    const flags = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'];
    const again = spawnSync(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(again.status ?? 1);
  }
  process.stderr.write(
    `broapt needs Node.js 22.12 or later, 24 recommended (this is ${process.version}). Run it through npm, ` +
      'which uses the Node 24 the project installs: `npm run broapt -- <command>` or `npx broapt <command>`.\n',
  );
  process.exit(2);
}
// V8 doubles the young generation of a busy isolate up to 32 MB per semi-space and never
// gives it back, so a long scan's RSS grew with its length (189 MB peak at 10,000 files).
// The first semi-space (1 MB) is enough for a thread that mostly waits on child
// processes; the flag is read at each growth, so it holds for this isolate and the pool's.
const { setFlagsFromString } = await import('node:v8');
setFlagsFromString('--semi-space-growth-factor=1');
// Every run parses and strips the same sources in the main thread and in each pool
// worker; Node's on-disk compile cache makes that a one-time cost (start-up is part of
// every scan's wall time).
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
// enableCompileCache() covers this thread only; pool workers read the variable when they start.
if (cache?.directory && process.env.NODE_COMPILE_CACHE === undefined) process.env.NODE_COMPILE_CACHE = cache.directory;
const { main } = await import('../source/cli/main.ts');
// Exit explicitly: stdout and stderr are synchronous for files and pipes on Linux,
// and no pool thread or watcher may keep a finished run alive.
process.exit(await main(process.argv.slice(2)));
