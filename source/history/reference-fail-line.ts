/**
 * Old versions of the reference wrote fail.log lines as Python tuple reprs,
 * `('/dump/application/x-dosexec/file.exe', 'error text')`: this reads the
 * path back, the first element, a str repr in single quotes (double quotes
 * when the string holds a single quote and no double one), with Python's escapes.
 */
const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

export function referenceFailedPath(line: string): string | undefined {
  // Python 2 wrote unicode strings with a `u` prefix.
  const open = /^\(\s*u?(['"])/.exec(line);
  if (open === null) return undefined;
  const quote = open[1]!;
  let text = '';
  for (let i = open[0].length; i < line.length; i++) {
    const char = line[i]!;
    if (char === quote) return text === '' ? undefined : text;
    if (char !== '\\') {
      text += char;
      continue;
    }
    const next = line[++i] ?? '';
    const digits = HEX_DIGITS[next];
    if (digits !== undefined) {
      const hex = line.slice(i + 1, i + 1 + digits);
      const code = /^[0-9a-f]+$/i.test(hex) && hex.length === digits ? Number.parseInt(hex, 16) : NaN;
      if (!(code <= 0x10ffff)) return undefined;
      text += String.fromCodePoint(code);
      i += digits;
    } else if (SIMPLE_ESCAPES[next] !== undefined) {
      text += SIMPLE_ESCAPES[next];
    } else {
      // Python keeps an unknown escape as it is, backslash included.
      text += `\\${next}`;
    }
  }
  // No closing quote: a torn line.
  return undefined;
}
