import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { listFiles } from '../pipeline/listing.ts';
import { EngineError } from './engine.ts';

/** pcap (µs and ns, either byte order) and pcapng's Section Header Block. */
const MAGICS = ['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a'];

export async function isPcap(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && MAGICS.includes(buffer.toString('hex'));
  } finally {
    await handle.close();
  }
}

/**
 * The PCAPs to process, sorted: a file named on the command line must be a PCAP
 * (anything else is a mistake worth stopping for); inside folders, other files
 * are passed over and returned in `ignored`.
 */
export async function listPcaps(inputs: string[]): Promise<{ pcaps: string[]; ignored: string[] }> {
  const pcaps = new Set<string>();
  const ignored: string[] = [];
  for (const input of inputs) {
    const stats = await stat(input).catch(() => undefined);
    if (stats === undefined) throw new EngineError('E_NO_INPUT', `${input} does not exist; give PCAP files or folders holding them.`);
    if (!stats.isDirectory()) {
      if (!stats.isFile() || !(await isPcap(input))) {
        throw new EngineError('E_NOT_PCAP', `${input} is not a PCAP or pcapng file (no capture magic bytes); give a capture file, e.g. one written by tcpdump -w or dumpcap.`);
      }
      pcaps.add(path.resolve(input));
      continue;
    }
    for (const file of (await listFiles([input])).files) {
      if (await isPcap(file)) pcaps.add(file);
      else ignored.push(file);
    }
  }
  return { pcaps: [...pcaps].sort(), ignored };
}

/** The PCAP's name without its capture extension, safe inside a file name: control characters become `_`. */
export function pcapStem(pcap: string): string {
  const base = path.basename(pcap).replace(/\.(pcapng|pcap|cap|dmp)$/i, '');
  return base.replace(/[\u0000-\u001f\u007f]/g, '_') || 'pcap';
}
