import { isAlias, isMap, isScalar, isSeq, visit, type Alias, type Document, type LineCounter, type Node, type Scalar, type YAMLMap } from 'yaml';
import { ConfigError, type SourcePosition } from '../errors.ts';

export interface Entry {
  /** The key as written. */
  name: string;
  key: Node;
  /** Null for an explicit key without value (`? key`). */
  value: Node | null;
}

/** Which of two entries with one (folded) name to keep; may throw instead. */
export type OnDuplicate = (first: Entry, second: Entry, keyPath: string) => Entry;

export const asWritten = (name: string) => name;
export const lowerCase = (name: string) => name.toLowerCase();
export const lastWins: OnDuplicate = (_first, second) => second;

/**
 * Entries `<<` may copy in all, counted over the document: chained merges
 * multiply (each map merging the one before it three times is 3^depth), and
 * BroAPT's own api.yml merges a few dozen.
 */
export const MAX_MERGED_ENTRIES = 10_000;
/** yaml's names of the tags YAML itself defines, written `!!str`, `!!int`…: any other tag is refused. */
const YAML_TAG = 'tag:yaml.org,2002:';

/** A parsed YAML document read with positions: aliases, `<<` merge keys and errors that point at a line. */
export class YamlSource {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly file: string;
  /** Maps whose merge keys are being expanded: one reached again merges itself. */
  readonly merging = new Set<YAMLMap>();
  /** What each alias stands for, found in one walk: yaml's Alias.resolve walks the whole document on every call. */
  readonly #anchored = new Map<Alias, Node | undefined>();
  #merged = 0;

  constructor(doc: Document.Parsed, lines: LineCounter, file: string) {
    this.doc = doc;
    this.lines = lines;
    this.file = file;
    const anchors = new Map<string, Node>();
    // Depth first, a node before its children: the anchor an alias means is the last one written before it, as yaml reads it.
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) this.#anchored.set(node, anchors.get(node.source));
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  /**
   * Refuse what a loader would turn into code or that no process could take:
   * a tag other than YAML's own (`!!js/function`, `!local`), a NUL in any
   * value (no command, path or variable can carry one, so it would only fail
   * once a file is being analysed).
   */
  protected refuseHostileNodes(): void {
    const tag = this.doc.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
    if (tag) {
      const name = (/^Unresolved tag: (.*)$/.exec(tag.message)?.[1] ?? tag.message).replace(YAML_TAG, '!!');
      this.failAt('E_API_TAG', `\`${name}\` is not a tag api.yml takes: write the value as plain YAML (a string, number, boolean, list or map) without a tag`, this.pathAt(tag.pos[0]), tag.pos[0]);
    }
    visit(this.doc, {
      Scalar: (_key, node) => {
        if (typeof node.value === 'string' && node.value.includes('\0')) {
          const offset = node.range?.[0] ?? 0;
          this.failAt('E_API_NUL', 'the value holds a NUL character (\\0), which no command, path or variable can carry: remove it', this.pathAt(offset), offset);
        }
      },
    });
  }

  /** The key node of `name` in an app map, to point at it. */
  protected keyNode(map: YAMLMap, name: string): Node | undefined {
    return map.items.find((pair) => isScalar(pair.key) && pair.key.value === name)?.key as Node | undefined;
  }

  /**
   * The entries of a map in file order, `<<` merge keys expanded in place:
   * own keys beat merged ones, earlier merge sources beat later ones.
   */
  protected entries(map: YAMLMap, keyPath: string, fold: (name: string) => string, onDuplicate: OnDuplicate): Entry[] {
    const out: Entry[] = [];
    const index = new Map<string, { at: number; merged: boolean }>();
    for (const pair of map.items) {
      const key = pair.key as Node;
      if (isScalar(key) && typeof key.value === 'symbol') {
        for (const entry of this.mergeSources(pair.value as Node | null, keyPath, fold, onDuplicate)) {
          const name = fold(entry.name);
          if (!index.has(name)) {
            index.set(name, { at: out.length, merged: true });
            out.push(entry);
          }
        }
        continue;
      }
      const entry: Entry = { name: this.keyName(key, keyPath), key, value: pair.value as Node | null };
      const name = fold(entry.name);
      const previous = index.get(name);
      if (!previous) {
        index.set(name, { at: out.length, merged: false });
        out.push(entry);
      } else if (previous.merged) {
        previous.merged = false;
        out[previous.at] = entry;
      } else {
        out[previous.at] = onDuplicate(out[previous.at] as Entry, entry, keyPath);
      }
    }
    return out;
  }

  protected mergeSources(node: Node | null, keyPath: string, fold: (name: string) => string, onDuplicate: OnDuplicate): Entry[] {
    const at = `${keyPath}.<<`;
    const source = this.deref(node, at);
    const maps = isSeq(source) ? source.items.map((item) => this.deref(item as Node | null, at)) : [source];
    return maps.flatMap((map) => {
      if (!isMap(map)) this.fail('E_API_BAD_MERGE', `a merge key \`<<\` takes a map, an alias of one, or a list of them; got ${kind(map)}`, at, map ?? node);
      if (this.merging.has(map)) this.fail('E_API_BAD_MERGE', 'this map merges itself (through `<<`), which never ends', at, node);
      this.#merged += map.items.length;
      if (this.#merged > MAX_MERGED_ENTRIES) {
        this.fail('E_API_MERGE_TOO_LARGE', `merge keys \`<<\` copy in more than ${MAX_MERGED_ENTRIES} entries in all (merges of merges multiply): merge each map once, from one anchor with everything the apps share`, at, node);
      }
      this.merging.add(map);
      try {
        return this.entries(map, keyPath, fold, onDuplicate);
      } finally {
        this.merging.delete(map);
      }
    });
  }

  protected keyName(node: Node, keyPath: string): string {
    const key = this.deref(node, keyPath);
    if (!isScalar(key) || key.value === null || written(key) === '') this.fail('E_API_TYPE', `expected a name as key, got ${kind(key)}`, keyPath, node);
    return written(key);
  }

  protected duplicate(first: Entry, second: Entry, keyPath: string): never {
    const at = keyPath ? `${keyPath}.${second.name}` : second.name;
    return this.fail('E_API_DUPLICATE_KEY', `\`${second.name}\` is given twice (first at line ${this.line(first.key)}): keep one`, at, second.key);
  }

  /** The node an alias stands for; any other node itself. */
  protected deref(node: Node | null, keyPath: string): Node | null {
    if (!isAlias(node)) return node;
    const target = this.#anchored.get(node);
    if (!target) this.fail('E_API_UNDEFINED_ALIAS', `alias \`*${node.source}\` has no anchor \`&${node.source}\` before it: define the anchor first, or fix the name`, keyPath, node);
    return target;
  }

  /** Key path of the innermost key spanning `offset`, to place a syntax error. */
  protected pathAt(offset: number): string {
    const parts: string[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      const starts = (item: unknown) => ((item as Node | null)?.range?.[0] ?? Infinity) <= offset;
      if (isMap(node)) {
        const pair = node.items.findLast((item) => starts(item.key));
        if (!pair) break;
        parts.push(isScalar(pair.key) ? written(pair.key) : '?');
        node = pair.value;
      } else if (isSeq(node)) {
        const at = node.items.findLastIndex(starts);
        if (at < 0) break;
        parts.push(`[${at}]`);
        node = node.items[at];
      } else break;
    }
    return parts.join('.').replaceAll('.[', '[');
  }

  protected position(node: Node | null | undefined): SourcePosition {
    const { line, col } = this.lines.linePos(node?.range?.[0] ?? 0);
    return { file: this.file, line, column: col };
  }

  protected line(node: Node): number {
    return this.position(node).line;
  }

  protected fail(code: string, detail: string, keyPath: string, node: Node | null | undefined): never {
    throw new ConfigError(code, detail, keyPath, this.position(node));
  }

  protected failAt(code: string, detail: string, keyPath: string, offset: number): never {
    const { line, col } = this.lines.linePos(offset);
    throw new ConfigError(code, detail, keyPath, { file: this.file, line, column: col });
  }
}

export function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/**
 * A scalar as written (after YAML unquoting): `010`, `1.50` or `yes` keep their
 * spelling instead of becoming YAML 1.1 numbers and booleans.
 */
export function written(node: Scalar): string {
  return node.source ?? String(node.value);
}

export function kind(node: Node | null): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node) || node.value === null) return 'nothing (null)';
  const type = node.value;
  const noun = typeof type === 'string' ? 'a string' : typeof type === 'boolean' ? 'a boolean' : typeof type === 'number' ? 'a number' : 'a scalar';
  return `${noun} (${JSON.stringify(written(node))})`;
}
