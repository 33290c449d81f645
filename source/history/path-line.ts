/**
 * One path per line, as the reference BroAPT writes dump.log (`print(path)`) and
 * reads it back (`line.strip()`). A path such a line would not carry intact (a
 * line break inside, whitespace the strip would eat, a leading quote that would
 * read as our escape, a lone surrogate UTF-8 cannot encode) is written as a JSON
 * string instead. Reference paths are absolute and plain, so its files load
 * unchanged and it can read ours.
 */
const LINE_BREAK = /[\n\r]/;

export function encodePathLine(path: string): string {
  const plain =
    path !== '' && !path.startsWith('"') && !LINE_BREAK.test(path) && path.trim() === path && path.isWellFormed();
  return plain ? path : JSON.stringify(path);
}

export function decodePathLine(line: string): string | undefined {
  // trim() hands back the same string when there is nothing to strip, so a plain line costs no copy.
  const text = line.trim();
  if (text === '') return undefined;
  if (!text.startsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
