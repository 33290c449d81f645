import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { STATE_FILE, type DeliveryStats } from './lane.ts';

const ITEM = /^\d{12}\.json$/;

/** One output of one process's spool, as `broapt status` shows it. */
export interface SpooledOutput extends DeliveryStats {
  /** The spool folder (`<logs>/spool/<host>/<output>`). */
  spool: string;
}

/**
 * Every output spool under `<logs>/spool/`: the counts its lane saved, with
 * `pending` counted from the items on disk, which stays true when the process
 * that spooled them is gone.
 */
export async function spooledOutputs(logsPath: string): Promise<SpooledOutput[]> {
  const root = path.join(logsPath, 'spool');
  const found: SpooledOutput[] = [];
  for (const host of (await readdir(root).catch(() => [] as string[])).sort()) {
    for (const output of (await readdir(path.join(root, host)).catch(() => [] as string[])).sort()) {
      const dir = path.join(root, host, output);
      const state = JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8').catch(() => 'null')) as Partial<DeliveryStats> | null;
      const items = await readdir(dir).catch(() => undefined);
      if (items === undefined || (state === null && !items.some((name) => ITEM.test(name)))) continue;
      found.push({
        output,
        spool: dir,
        pending: items.filter((name) => ITEM.test(name)).length,
        failed: state?.failed ?? 0,
        delivered: state?.delivered ?? 0,
        rejected: state?.rejected ?? 0,
        lastError: state?.lastError ?? null,
      });
    }
  }
  return found;
}

export function formatOutputs(outputs: SpooledOutput[]): string {
  if (outputs.length === 0) return '';
  const width = Math.max(...outputs.map((o) => o.output.length));
  const lines = ['outputs', ...outputs.map((o) => `  ${o.output.padEnd(width)}  ${o.pending} pending, ${o.failed} failed attempts, ${o.delivered} delivered, ${o.rejected} rejected${o.pending > 0 && o.lastError ? ` (last error: ${o.lastError})` : ''}  ${o.spool}`)];
  return `${lines.join('\n')}\n`;
}
