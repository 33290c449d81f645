/**
 * Bundled mode (one process: Zeek on PCAPs plus the scan loop). The Zeek side
 * calls `scan(localName)` for each file it extracted into the dump folder, as
 * the reference's bundled process did; `lookup(path)` tells what would run.
 */
import { bundledScanner } from '../source/pipeline/lookup.ts';
import { openSession } from '../source/pipeline/session.ts';
import type { Settings } from '../source/settings.ts';
import type { Logger } from '../source/log.ts';

export async function startBundled(settings: Settings, logger?: Logger) {
  const session = await openSession(settings, logger ? { logger } : {});
  return {
    ...bundledScanner(session),
    /** Stop intake, let running files finish, flush the history. */
    async close() {
      session.processor.stopIntake();
      await session.processor.idle();
      await session.close();
    },
  };
}
