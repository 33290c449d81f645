#!/usr/bin/env node
// broapt runs its TypeScript sources directly through Node's type stripping
// (Node >= 22.18 or 23.6). Say so plainly on an older Node instead of failing
// on the first type annotation.
if (!process.features.typescript) {
  process.stderr.write(
    `broapt needs Node.js 24 (this is ${process.version}). Run it through npm, which uses the Node 24 ` +
      'the project installs: `npm run broapt -- <command>` or `npx broapt <command>`.\n',
  );
  process.exit(2);
}
// Every run parses and strips the same sources in the main thread and in each pool
// worker; Node's on-disk compile cache makes that a one-time cost (start-up is part of
// every scan's wall time).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../source/cli/main.ts');
// Exit explicitly: stdout and stderr are synchronous for files and pipes on Linux,
// and no pool thread or watcher may keep a finished run alive.
process.exit(await main(process.argv.slice(2)));
