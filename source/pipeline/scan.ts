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

/** One pass over files and folders: everything not yet in the history is analysed once. */
export async function scanPaths(session: Session, paths: string[], options: PassOptions = {}): Promise<Summary> {
  const summary = new Summary();
  const { processor } = session;
  const onRecord = (record: FileRecord) => {
    summary.add(record);
    options.onRecord?.(record, summary);
  };
  const onSkip = (file: string, reason: SkipReason) => summary.skip(file, reason);
  processor.on('record', onRecord);
  processor.on('skip', onSkip);
  try {
    const listing = await listFiles(paths, session.ownFolders);
    for (const { path: file, reason } of listing.skipped) summary.skip(file, reason);
    let taken = 0;
    for (const file of listing.files) if (processor.submit(file)) taken++;
    options.onListed?.(taken, listing.files.length - taken);
    await processor.idle();
  } finally {
    processor.off('record', onRecord);
    processor.off('skip', onSkip);
  }
  return summary;
}
