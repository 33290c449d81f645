import fs from 'node:fs';

/**
 * Limits on all that one file's archives unpack, every level together: the
 * depth limit and each archive's own limits leave a 42.zip-style fan-out
 * (16 zips of 16 zips …) free to make tens of thousands of entries.
 */
export interface ArchiveBudget {
  /** Members taken as entries (BROAPT_ARCHIVE_MAX_CHILDREN). */
  children: number;
  /** Bytes of those members (BROAPT_ARCHIVE_MAX_BYTES). */
  bytes: number;
  /** Seconds from the root file's start after which no member is taken or started (BROAPT_ARCHIVE_MAX_SECONDS). */
  seconds: number;
}

export const DEFAULT_ARCHIVE_BUDGET: ArchiveBudget = { children: 1000, bytes: 1 << 30, seconds: 600 };

type Limit = 'children' | 'bytes' | 'seconds';

const VARIABLE: Record<Limit, string> = { children: 'BROAPT_ARCHIVE_MAX_CHILDREN', bytes: 'BROAPT_ARCHIVE_MAX_BYTES', seconds: 'BROAPT_ARCHIVE_MAX_SECONDS' };
const WHAT: Record<Limit, string> = { children: 'members in all', bytes: 'bytes unpacked in all', seconds: 'seconds' };

interface Usage {
  started: number;
  children: number;
  bytes: number;
  /** The first limit hit, and how many members it left out. */
  hit?: Limit;
  left: number;
}

/** What the roots being analysed have used of their budget; a root is a file from the dump folder, not a member. */
export class RootBudgets {
  readonly #budget: ArchiveBudget;
  readonly #roots = new Map<string, Usage>();
  /** Milliseconds of a monotonic clock. */
  readonly #now: () => number;

  constructor(budget: ArchiveBudget, now = () => performance.now()) {
    this.#budget = budget;
    this.#now = now;
  }

  /** A root file starts: its clock runs from now. */
  open(root: string): void {
    this.#roots.set(root, { started: this.#now(), children: 0, bytes: 0, left: 0 });
  }

  #late(usage: Usage): boolean {
    return this.#now() - usage.started > this.#budget.seconds * 1000;
  }

  /** True once the root's time is up, for a member taken in time that has not started: it is left out. */
  leaveOut(root: string): boolean {
    const usage = this.#roots.get(root);
    if (usage === undefined || !this.#late(usage)) return false;
    this.#hit(usage, 'seconds', 1);
    return true;
  }

  /** The leading members the root's budget still takes; the others are counted as left out. */
  admit<T extends { path: string }>(root: string, members: T[]): T[] {
    const usage = this.#roots.get(root);
    if (usage === undefined) return members;
    if (this.#late(usage)) {
      this.#hit(usage, 'seconds', members.length);
      return [];
    }
    let taken = 0;
    for (const member of members) {
      const size = fs.lstatSync(member.path, { throwIfNoEntry: false })?.size ?? 0;
      const over: Limit | undefined = usage.children + 1 > this.#budget.children ? 'children' : usage.bytes + size > this.#budget.bytes ? 'bytes' : undefined;
      if (over !== undefined) {
        this.#hit(usage, over, members.length - taken);
        break;
      }
      usage.children++;
      usage.bytes += size;
      taken++;
    }
    return members.slice(0, taken);
  }

  #hit(usage: Usage, limit: Limit, left: number): void {
    usage.hit ??= limit;
    usage.left += left;
  }

  /** The finding the root's record carries when its tree hit a limit; forgets the root. */
  close(root: string): { rule: string; description: string } | undefined {
    const usage = this.#roots.get(root);
    this.#roots.delete(root);
    if (usage?.hit === undefined) return undefined;
    const limit = usage.hit;
    return {
      rule: `archive.budget.${limit}`,
      description: `the archives in this file went past ${this.#budget[limit]} ${WHAT[limit]} (${VARIABLE[limit]}=${this.#budget[limit]}): ${usage.left} members not analysed; raise ${VARIABLE[limit]} to follow more`,
    };
  }
}
