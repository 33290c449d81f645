import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.ts';
import { DAEMON_API, startDaemonCli, type RunningDaemon } from './daemon.ts';
import { makeWorkspace, type Workspace } from './workspace.ts';

export interface DaemonInBrowser {
  ws: Workspace;
  daemon: RunningDaemon;
  browser: Browser;
}

/**
 * For a test file of a dashboard page: a workspace with DAEMON_API and what
 * `prepare` adds to it, the daemon CLI over it and Chromium, started before
 * the file's tests and stopped after them. The fields are set once started.
 */
export function useDaemonInBrowser(prepare: (ws: Workspace) => Promise<void>): DaemonInBrowser {
  const running = {} as DaemonInBrowser;
  beforeAll(async () => {
    running.ws = await makeWorkspace();
    await running.ws.writeApi(DAEMON_API);
    await prepare(running.ws);
    running.daemon = await startDaemonCli(running.ws);
    running.browser = await launchBrowser();
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.daemon?.stop();
    await running.ws?.cleanup();
  });
  return running;
}
