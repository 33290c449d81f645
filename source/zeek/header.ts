/**
 * The `#` header of a Zeek ASCII log. Zeek writes it as `#separator \x09`
 * followed by `#name<separator>value` lines; a log may hold several blocks,
 * each opened by its own `#separator` line and ended by `#close`.
 */
export interface ZeekHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path: string | undefined;
  open: string | undefined;
  close: string | undefined;
  fields: string[];
  types: string[];
}

/** One `#` header line, split into its name and its value as written. */
export interface ZeekDirective {
  name: string;
  value: string;
}

/** Zeek's defaults, which also apply to a header line that has not been read yet. */
export function defaultHeader(): ZeekHeader {
  return {
    separator: '\t',
    setSeparator: ',',
    emptyField: '(empty)',
    unsetField: '-',
    path: undefined,
    open: undefined,
    close: undefined,
    fields: [],
    types: [],
  };
}

const SEPARATOR_PREFIX = '#separator ';

/**
 * Splits a `#` line into a directive, or returns undefined for a comment
 * (btest's `### BTest …` banner, or its `#open XXXX…` written with a space).
 */
export function parseDirective(line: string, separator: string): ZeekDirective | undefined {
  // #separator is the one line written before the separator is known, so Zeek spells it with a space.
  if (line.startsWith(SEPARATOR_PREFIX)) return { name: 'separator', value: line.slice(SEPARATOR_PREFIX.length) };
  const end = line.indexOf(separator);
  if (end < 2) return undefined;
  const name = line.slice(1, end);
  return /^[a-z_]+$/.test(name) ? { name, value: line.slice(end + separator.length) } : undefined;
}

export function formatDirective(directive: ZeekDirective, separator: string): string {
  return directive.name === 'separator'
    ? `${SEPARATOR_PREFIX}${directive.value}`
    : `#${directive.name}${separator}${directive.value}`;
}

/**
 * Applies a directive and returns the header now in force: a fresh one when
 * `#separator` opens a new block, so a caller holding the previous block's
 * header keeps it intact.
 */
export function applyDirective(header: ZeekHeader, directive: ZeekDirective): ZeekHeader {
  const { name, value } = directive;
  switch (name) {
    case 'separator':
      return { ...defaultHeader(), separator: value.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) };
    case 'set_separator':
      return { ...header, setSeparator: value };
    case 'empty_field':
      return { ...header, emptyField: value };
    case 'unset_field':
      return { ...header, unsetField: value };
    case 'path':
      return { ...header, path: value };
    case 'open':
      return { ...header, open: value };
    case 'close':
      return { ...header, close: value };
    case 'fields':
      return { ...header, fields: value.split(header.separator) };
    case 'types':
      return { ...header, types: value.split(header.separator) };
    default:
      return header;
  }
}

function escapeSeparator(separator: string): string {
  return [...separator].map((char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
}

/** The directives that reproduce a header, in the order Zeek writes them (`#close` excluded: it ends a block). */
export function headerDirectives(header: ZeekHeader): ZeekDirective[] {
  const directives: ZeekDirective[] = [
    { name: 'separator', value: escapeSeparator(header.separator) },
    { name: 'set_separator', value: header.setSeparator },
    { name: 'empty_field', value: header.emptyField },
    { name: 'unset_field', value: header.unsetField },
  ];
  if (header.path !== undefined) directives.push({ name: 'path', value: header.path });
  if (header.open !== undefined) directives.push({ name: 'open', value: header.open });
  directives.push({ name: 'fields', value: header.fields.join(header.separator) });
  directives.push({ name: 'types', value: header.types.join(header.separator) });
  return directives;
}
