/**
 * A 32-bit hash of a path's UTF-16 code units: FNV-1a, then MurmurHash3's
 * finalizer so that paths differing only near the end spread over the table.
 */
export function pathHash(path: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

const EMPTY = -1;
/** A deleted slot: probing goes on past it. */
const DELETED = -2;
const MAX_LOAD = 0.7;
const FIRST_CAPACITY = 1024;

/**
 * A set of paths that keeps no path in memory: a slot holds the path's hash
 * and the offset of a log line that records it (12 bytes; 17 to 24 per path as
 * the table fills from half to MAX_LOAD). A hash match is only a candidate: the line is read back
 * (`lineAt`) and must hold the very path, so a collision can cost a read but
 * never makes a path a member, and a line that is gone or changed on disk makes
 * its path not a member (it is taken again rather than never).
 */
export class PathSet {
  readonly #lineAt: (offset: number) => string | undefined;
  readonly #hash: (path: string) => number;
  #hashes = new Uint32Array(FIRST_CAPACITY);
  /** Float64: a log may outgrow 4 GiB; offsets stay exact up to 2^53. */
  #offsets = new Float64Array(FIRST_CAPACITY).fill(EMPTY);
  #size = 0;
  /** Members plus deleted slots: what the load factor counts. */
  #used = 0;

  /** `lineAt(offset)`: the path the log line at `offset` records; `hash` is for tests that force collisions. */
  constructor(lineAt: (offset: number) => string | undefined, hash: (path: string) => number = pathHash) {
    this.#lineAt = lineAt;
    this.#hash = hash;
  }

  get size(): number {
    return this.#size;
  }

  has(path: string): boolean {
    return this.#find(path, this.#hash(path)) !== -1;
  }

  /** Adds `path`, recorded by the line at `offset`; false (and the first line kept) when it is a member already. */
  add(path: string, offset: number): boolean {
    const hash = this.#hash(path);
    if (this.#find(path, hash) !== -1) return false;
    if (this.#used + 1 > this.#offsets.length * MAX_LOAD) this.#rehash();
    const mask = this.#offsets.length - 1;
    let slot = hash & mask;
    while (this.#offsets[slot]! >= 0) slot = (slot + 1) & mask;
    if (this.#offsets[slot] === EMPTY) this.#used++;
    this.#hashes[slot] = hash;
    this.#offsets[slot] = offset;
    this.#size++;
    return true;
  }

  delete(path: string): boolean {
    const slot = this.#find(path, this.#hash(path));
    if (slot === -1) return false;
    this.#offsets[slot] = DELETED;
    this.#size--;
    return true;
  }

  #find(path: string, hash: number): number {
    const mask = this.#offsets.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const offset = this.#offsets[slot]!;
      if (offset === EMPTY) return -1;
      if (offset >= 0 && this.#hashes[slot] === hash && this.#lineAt(offset) === path) return slot;
    }
  }

  /** Into a table at most half full, dropping deleted slots; hashes are kept, so no line is read. */
  #rehash(): void {
    let capacity = FIRST_CAPACITY;
    while (this.#size + 1 > capacity / 2) capacity *= 2;
    const hashes = this.#hashes;
    const offsets = this.#offsets;
    this.#hashes = new Uint32Array(capacity);
    this.#offsets = new Float64Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let old = 0; old < offsets.length; old++) {
      if (offsets[old]! < 0) continue;
      let slot = hashes[old]! & mask;
      while (this.#offsets[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.#hashes[slot] = hashes[old]!;
      this.#offsets[slot] = offsets[old]!;
    }
    this.#used = this.#size;
  }
}
