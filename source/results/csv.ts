/**
 * `broapt results --format csv`: one row per file, nested fields flattened
 * into dotted columns (`reports.0.details.size`) so a spreadsheet or a
 * dataframe reads it without a JSON parser.
 */

/** Scalars of `value` under dotted names; an array of scalars is one cell, its items joined by `|`. */
export function flatten(value: unknown, prefix = '', into: Map<string, string> = new Map()): Map<string, string> {
  if (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')) {
    into.set(prefix, value.map(String).join('|'));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) flatten(item, prefix === '' ? key : `${prefix}.${key}`, into);
  } else if (value !== undefined && value !== null) {
    into.set(prefix, String(value));
  }
  return into;
}

/**
 * RFC 4180 quoting. File names and findings come from hostile files: a text a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
 * prefixed with `'`, as OWASP advises for CSV injection.
 */
export function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The CSV text of `records`: a header of every column any record has (first seen first), then a row per record. */
export function toCsv(records: unknown[]): string {
  const rows = records.map((record) => flatten(record));
  const columns = [...new Set(rows.flatMap((row) => [...row.keys()]))];
  const lines = [columns.map(csvField).join(','), ...rows.map((row) => columns.map((column) => csvField(row.get(column) ?? '')).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
