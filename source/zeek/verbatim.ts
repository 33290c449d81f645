import type { ZeekValue } from './values.ts';

interface Kept {
  text: string;
  value: ZeekValue;
}

function same(a: ZeekValue, b: ZeekValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => same(item, b[i] as ZeekValue));
  return Object.is(a, b);
}

/**
 * The source text of values our formatter would print differently (Zeek 3's
 * 17-digit doubles, `\xNN`-escaped UTF-8, btest's masked `XXXX` times). A
 * writer reprints that text while the value is still the one read, which makes
 * read→write byte-exact without burdening every value with its text.
 */
export class VerbatimText {
  readonly #kept = new WeakMap<object, Map<string, Kept>>();

  keep(holder: object, key: string, text: string, value: ZeekValue): void {
    let byKey = this.#kept.get(holder);
    if (byKey === undefined) this.#kept.set(holder, (byKey = new Map()));
    byKey.set(key, { text, value: Array.isArray(value) ? [...value] : value });
  }

  /** The source text, if `current` is still the value read from it. */
  get(holder: object, key: string, current: ZeekValue): string | undefined {
    const kept = this.#kept.get(holder)?.get(key);
    return kept !== undefined && same(kept.value, current) ? kept.text : undefined;
  }
}

export const tsvText = new VerbatimText();
export const jsonText = new VerbatimText();
