import { mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { zeekStamp } from '../report/logs.ts';
import { defaultHeader } from '../zeek/header.ts';
import { readZeekLog } from '../zeek/read.ts';
import { ZeekTsvWriter } from '../zeek/tsv-writer.ts';
import type { ZeekRecord } from '../zeek/values.ts';
import { ruleNames, type Alert } from './alert.ts';
import type { Output } from './lane.ts';

/** The Intel framework's input columns (base/frameworks/intel), all read as strings but the type. */
const INTEL_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['indicator', 'string'],
  ['indicator_type', 'enum'],
  ['meta.source', 'string'],
  ['meta.desc', 'string'],
  ['meta.url', 'string'],
];

/** Indicators kept at most: a Zeek loads the whole file into memory, so does this output. */
const MAX_INDICATORS = 1_000_000;

function entries(alert: Alert): ZeekRecord[] {
  const rules = ruleNames(alert);
  const desc = `broapt: ${alert.verdict ?? 'unknown'} ${alert.mime}${rules.length > 0 ? ` (${rules.join(', ')})` : ''}, fuid ${alert.fuid}`;
  return [alert.md5, alert.sha1, alert.sha256]
    .filter((hash): hash is string => typeof hash === 'string' && /^[0-9a-f]+$/.test(hash))
    .map((hash) => ({ indicator: hash, indicator_type: 'Intel::FILE_HASH', 'meta.source': 'broapt', 'meta.desc': desc, 'meta.url': null }));
}

/** The file's indicators, read with our Zeek reader; a damaged line is passed over, the next rewrite drops it. */
async function readIndicators(file: string): Promise<Map<string, ZeekRecord>> {
  const known = new Map<string, ZeekRecord>();
  if (!existsSync(file)) return known;
  for await (const record of readZeekLog(file, { lenient: true })) {
    if (typeof record.indicator === 'string') known.set(record.indicator, record);
  }
  return known;
}

/**
 * A Zeek Intel framework file of the md5, sha1 and sha256 of every alerting
 * file, each once, rewritten whole through a rename so a Zeek re-reading it
 * never sees half a file. With `@load frameworks/intel/seen` and the file in
 * `Intel::read_files` (zeek/broapt/intel-feedback.zeek), Zeek raises an Intel
 * notice when the same file crosses the wire again.
 */
export async function intelOutput(file: string): Promise<Output> {
  await mkdir(path.dirname(file), { recursive: true });
  const known = await readIndicators(file);
  return {
    name: 'intel',
    batch: 500,
    async deliver(items) {
      const fresh = (items as Alert[]).flatMap(entries).filter((entry) => !known.has(entry.indicator as string));
      if (fresh.length === 0) return;
      for (const entry of fresh) known.set(entry.indicator as string, entry);
      // The oldest go first when the file would outgrow what a Zeek should load.
      for (const indicator of known.keys()) {
        if (known.size <= MAX_INDICATORS) break;
        known.delete(indicator);
      }
      try {
        await rewrite(file, known.values());
      } catch (error) {
        for (const entry of fresh) known.delete(entry.indicator as string);
        throw error;
      }
    },
  };
}

async function rewrite(file: string, records: Iterable<ZeekRecord>): Promise<void> {
  const lines: string[] = [];
  const writer = new ZeekTsvWriter({ write: (chunk: string) => lines.push(chunk) });
  writer.writeHeader({ ...defaultHeader(), path: 'intel', open: zeekStamp(new Date()), fields: INTEL_FIELDS.map(([name]) => name), types: INTEL_FIELDS.map(([, type]) => type) });
  for (const record of records) writer.writeRecord(record);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, lines.join(''));
  await rename(temporary, file);
}
