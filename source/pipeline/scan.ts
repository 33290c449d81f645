import { listFiles, type SkipReason } from './listing.ts';
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

/** One pass over files and folders: everything not yet in the history is analysed once. */
export async function scanPaths(session: Session, paths: string[], options: PassOptions = {}): Promise<Summary> {
  const { processor } = session;
  const { summary, detach } = followSummary(processor, options.onRecord);
  try {
    for (const root of paths) await processor.givenPaths.add(root);
    const listing = await listFiles(paths, session.ownFolders);
    for (const { path: file, reason } of listing.skipped) summary.skip(file, reason);
    let taken = 0;
    for (const file of listing.files) {
      if (processor.submit(file)) taken++;
      else if (processor.recorded(file)) summary.alreadyProcessed++;
    }
    options.onListed?.(taken, summary.alreadyProcessed);
    await processor.idle();
  } finally {
    detach();
  }
  return summary;
}
