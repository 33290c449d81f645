#!/usr/bin/env node
// broapt runs its TypeScript sources directly through Node's type stripping, on by
// default from Node 22.18 and 23.6. Node 22.12 to 22.17 has it behind a flag: run
// again with the flag (pool workers inherit it). An older Node (a distribution's
// Node 20, say) runs broapt with the Node 24 the package installs (the `node`
// dependency), so the command works from any folder and when installed globally.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The Node 24 binary of the `node` package, when it is installed beside broapt. */
function bundledNode() {
  try {
    const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
    return bin === process.execPath ? undefined : bin;
  } catch {
    return undefined;
  }
}

/**
 * Runs broapt again under `node` and ends as it ends. Node before 22.15 cannot
 * exec, so this process stays as the parent: it forwards the signals broapt
 * acts on (SIGUSR1 is the bundled mode's shutdown) instead of dying of them
 * and leaving the run orphaned. Not SIGINT: a terminal's Ctrl-C reaches the
 * child already, and a second stop signal means "stop now" to broapt.
 */
function runAgain(node, flags) {
  const child = spawn(node, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
  return new Promise((resolve) => child.on('error', () => resolve(false)));
}

if (!process.features.typescript) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const again = major > 22 || (major === 22 && minor >= 12) ? [process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning']] : [bundledNode(), []];
  if (again[0]) await runAgain(again[0], again[1]);
  process.stderr.write(
    `broapt needs Node.js 22.12 or later, 24 recommended (this is ${process.version}), and found no Node 24 ` +
      'installed with it. Install its dependencies (`npm ci` in the project, or `npm install -g` of the packed ' +
      'tarball, which brings Node 24 as the `node` package), or run it with a newer Node.\n',
  );
  process.exit(2);
}
// V8 doubles the young generation of a busy isolate up to 32 MB per semi-space and never
// gives it back, so a long scan's RSS grew with its length (189 MB peak at 10,000 files).
// The first semi-space (1 MB) is enough for a thread that mostly waits on child
// processes; the flag is read at each growth, so it holds for this isolate and the pool's.
const { setFlagsFromString } = await import('node:v8');
setFlagsFromString('--semi-space-growth-factor=1');
// With so small a young generation, each file's short-lived objects reach the old one, and
// V8 let it grow to three times what was live before its next full collection: a scan of
// 10,000 files carried 12 MB live and 33 MB of garbage. Growing it by a quarter keeps the
// old generation within a few MB of what is live, for a full collection every few seconds.
setFlagsFromString('--heap-growing-percent=25');
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
