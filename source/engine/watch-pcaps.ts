import { watch as chokidarWatch } from 'chokidar';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { CAPTURE_SPOOL } from './capture.ts';
import { whenSettled } from '../pipeline/settle.ts';
import { isPcap, listPcaps } from './pcap.ts';
import type { PcapQueue } from './run.ts';

/**
 * Feeds a PcapQueue with the captures a folder holds now and every capture that
 * appears in it later, once it has stopped growing (a capture being written by
 * tcpdump -G or dumpcap's ring buffer is not complete). A rescan every
 * `intervalMs` catches what a file-system event missed; the queue ignores
 * captures it has seen. The spool of `broapt capture` is passed over: dumpcap
 * still writes there, and moves a file out only once it has closed it.
 * Resolves `stop` once the watcher is closed.
 */
export async function watchPcaps(dir: string, queue: PcapQueue, options: { settleMs: number; intervalMs: number; logger: Logger }): Promise<{ stop(): Promise<void> }> {
  const root = await realpath(path.resolve(dir));
  const spool = path.join(root, CAPTURE_SPOOL);
  let stopped = false;
  const offer = async (file: string) => {
    if (file.startsWith(spool + path.sep)) return;
    if (!(await whenSettled(file, options.settleMs, () => !stopped))) return;
    if (!stopped && (await isPcap(file).catch(() => false))) queue.add(file);
  };
  const sweep = async () => {
    const { pcaps } = await listPcaps([root]);
    for (const pcap of pcaps) void offer(pcap);
  };
  const watcher = chokidarWatch(root, { ignoreInitial: true, followSymlinks: false, ignored: (file) => path.resolve(file) === spool });
  watcher.on('add', (file) => void offer(path.resolve(file)));
  watcher.on('error', (error) => options.logger.warn({ err: error }, 'capture folder watcher error; the periodic rescan still finds new captures'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  await sweep();
  const timer =
    options.intervalMs > 0
      ? setInterval(() => void sweep().catch((error: unknown) => options.logger.warn({ err: error }, 'rescan of the capture folder failed')), options.intervalMs)
      : undefined;
  return {
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await watcher.close();
    },
  };
}
