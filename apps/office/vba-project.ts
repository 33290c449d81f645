/**
 * The VBA source of a project's module streams. Each module stream holds
 * compiled p-code, then the MS-OVBA compressed source from the offset the
 * `dir` stream records; the source's first line (`Attribute VB_Name`) is
 * stored literally, which is how it is found without parsing `dir`.
 */
import type { CompoundFile } from './ole.ts';
import { decompressVba } from './ovba.ts';

/** VBA source in a module stream. */
export function vbaSources(data: Buffer): string[] {
  const sources: string[] = [];
  for (let at = data.indexOf('\x00Attribut'); at >= 3; at = data.indexOf('\x00Attribut', at + 1)) {
    const source = decompressVba(data, at - 3);
    if (source !== undefined && source.length > 0) sources.push(source.toString('latin1'));
  }
  return sources;
}

export function hasVba(file: CompoundFile): boolean {
  return file.streams.some((s) => /(^|\/)_VBA_PROJECT$/i.test(s.path));
}

export function vbaSourcesOf(file: CompoundFile): string[] {
  if (!hasVba(file)) return [];
  return file.streams.filter((s) => /(^|\/)VBA\//i.test(s.path)).flatMap((s) => vbaSources(s.data));
}
