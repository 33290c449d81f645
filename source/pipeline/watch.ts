import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { listFiles } from './listing.ts';
import type { PassOptions } from './scan.ts';
import type { Session } from './session.ts';
import { Summary } from './summary.ts';

export interface Watcher {
  summary: Summary;
  /** Stop taking files; files already running finish; resolves when they have. */
  stop(): Promise<number>;
}

/**
 * The app loop: what the dump folder holds now minus the history, then every
 * file that appears (written, moved in, or in a new subfolder) once it has
 * settled. A rescan every `interval` seconds catches what a file-system event
 * may have missed, as the reference's polling loop did.
 */
export async function watchFolder(session: Session, dumpPath: string, options: PassOptions = {}): Promise<Watcher> {
  const summary = new Summary();
  const { processor, ownFolders } = session;
  // As in listFiles: the dump folder itself may be a link; its real path is watched, and what it holds is never followed.
  const root = await realpath(path.resolve(dumpPath));
  processor.on('record', (record) => {
    summary.add(record);
    options.onRecord?.(record, summary);
  });
  processor.on('skip', (file, reason) => summary.skip(file, reason));

  const isOwn = (p: string) => ownFolders.some((dir) => p === dir || p.startsWith(dir + path.sep));
  const watcher: FSWatcher = chokidarWatch(root, { ignoreInitial: true, followSymlinks: false, ignored: isOwn });
  watcher.on('add', (file) => processor.submit(path.resolve(file)));
  const settleMs = Math.max(100, session.settings.settleTime * 1000);
  const list = (dir: string) =>
    listFiles([path.resolve(dir)], ownFolders)
      .then((listing) => listing.files.forEach((file) => processor.submit(file)))
      .catch((error: unknown) => session.logger.warn({ err: error, dir }, 'listing a new folder failed'));
  // Files written into a folder in the moment it appears can precede the folder's
  // own watch and raise no event; list a new folder now and once more after the
  // settle time, rather than leave them to the periodic rescan.
  watcher.on('addDir', (dir) => {
    if (path.resolve(dir) === root) return;
    void list(dir);
    setTimeout(() => void list(dir), settleMs).unref();
  });
  // chokidar drops a name that is not UTF-8 (decoded, with U+FFFD, it names no file), but its raw
  // event still names the folder, whose listing makes the file's alias: once per folder and settle time.
  const pendingLists = new Set<string>();
  watcher.on('raw', (_event, name, details) => {
    const dir = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (typeof name !== 'string' || !name.includes('\uFFFD') || dir === undefined || pendingLists.has(dir)) return;
    pendingLists.add(dir);
    setTimeout(() => {
      pendingLists.delete(dir);
      void list(dir);
    }, settleMs).unref();
  });
  watcher.on('error', (error) => session.logger.warn({ err: error }, 'file watcher error; the periodic rescan still finds new files'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  const sweep = async () => {
    const listing = await listFiles([root], ownFolders);
    let taken = 0;
    for (const file of listing.files) if (processor.submit(file)) taken++;
    return { taken, listing };
  };
  const first = await sweep();
  for (const { path: file, reason } of first.listing.skipped) summary.skip(file, reason);
  summary.alreadyProcessed = first.listing.files.filter((file) => processor.recorded(file)).length;
  options.onListed?.(first.taken, summary.alreadyProcessed);

  let stopped = false;
  const intervalMs = session.settings.interval * 1000;
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (!stopped) sweep().catch((error: unknown) => session.logger.warn({ err: error }, 'rescan of the dump folder failed'));
        }, intervalMs)
      : undefined;

  return {
    summary,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await watcher.close();
      const dropped = processor.stopIntake();
      await processor.idle();
      return dropped;
    },
  };
}
