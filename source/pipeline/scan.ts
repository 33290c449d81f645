import { walkFiles, type SkipReason } from './listing.ts';
import { trimMallocPeriodically } from './malloc-trim.ts';
import type { FileRecord } from './record.ts';
import type { Session } from './session.ts';
import { Summary } from './summary.ts';

export interface PassOptions {
  /** Called for every finished file, in completion order. */
  onRecord?: (record: FileRecord, summary: Summary) => void;
  /** Called once the listing is known, with the number of files that will be analysed. */
  onListed?: (total: number, alreadyProcessed: number) => void;
}

/** A summary of what the processor does from now until `detach()`, each record also handed to `onRecord`. */
export function followSummary(processor: Session['processor'], onRecord?: PassOptions['onRecord']): { summary: Summary; detach(): void } {
  const summary = new Summary();
  const record = (done: FileRecord) => {
    summary.add(done);
    onRecord?.(done, summary);
  };
  const skip = (file: string, reason: SkipReason) => summary.skip(file, reason);
  processor.on('record', record);
  processor.on('skip', skip);
  return {
    summary,
    detach() {
      processor.off('record', record);
      processor.off('skip', skip);
    },
  };
}

/** Files waiting in the processor before the walk pauses: enough to keep every job busy, few enough to cost nothing. */
const QUEUE_ROOM = 1024;

/**
 * One pass over files and folders: everything not yet in the history is
 * analysed once. The folders are walked twice, first to count for the
 * progress line, then to feed the processor as it makes room, so that no pass
 * holds every path (about 250 B a file as a listing plus queue entries).
 */
export async function scanPaths(session: Session, paths: string[], options: PassOptions = {}): Promise<Summary> {
  const { processor } = session;
  const { summary, detach } = followSummary(processor, options.onRecord);
  const stopTrimming = trimMallocPeriodically();
  try {
    for (const root of paths) await processor.givenPaths.add(root);
    let toAnalyse = 0;
    let already = 0;
    for await (const file of walkFiles(paths, session.ownFolders)) {
      if (processor.recorded(file)) already++;
      else toAnalyse++;
    }
    options.onListed?.(toAnalyse, already);
    for await (const file of walkFiles(paths, session.ownFolders, (skipped, reason) => summary.skip(skipped, reason))) {
      if (!processor.submit(file) && processor.recorded(file)) summary.alreadyProcessed++;
      if (!(await processor.whenRoom(QUEUE_ROOM))) break;
    }
    await processor.idle();
  } finally {
    stopTrimming();
    detach();
  }
  return summary;
}
