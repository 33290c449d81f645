import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ITEM = /^(\d{12})\.json$/;

/**
 * One output's deliveries on disk, `<logs>/spool/<output>/<seq>.json`: an
 * item is written (atomically, by rename) before its first attempt and removed
 * once delivered, so a crash, a stop or a receiver that stays down loses
 * nothing; the next start delivers what is left, oldest first.
 */
export class Spool {
  readonly dir: string;
  /** Item names waiting, oldest first, from `#head` on; the contents stay on disk until a batch is sent. */
  #names: string[];
  #head = 0;
  #next: number;

  private constructor(dir: string, names: string[], rejected: string[]) {
    this.dir = dir;
    this.#names = names;
    // Numbers keep growing past the rejected ones too, so a new item never lands on a rejected one's name.
    this.#next = Math.max(0, ...[...names, ...rejected].map((name) => Number(ITEM.exec(name)?.[1] ?? 0))) + 1;
  }

  static async open(dir: string): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const entries = await readdir(dir);
    // A .part is an item whose write a crash cut short: its record never reached this output's queue.
    await Promise.all(entries.filter((name) => name.endsWith('.part')).map((name) => rm(path.join(dir, name), { force: true })));
    const rejected = await readdir(path.join(dir, 'rejected')).catch(() => []);
    return new Spool(dir, entries.filter((name) => ITEM.test(name)).sort(), rejected);
  }

  get size(): number {
    return this.#names.length - this.#head;
  }

  async add(payload: unknown): Promise<void> {
    const name = `${String(this.#next++).padStart(12, '0')}.json`;
    const file = path.join(this.dir, name);
    await writeFile(`${file}.part`, JSON.stringify(payload));
    await rename(`${file}.part`, file);
    this.#names.push(name);
  }

  /** The oldest `count` items, read from disk; an unreadable one (disk damage) is set aside as rejected. */
  async peek(count: number): Promise<Array<{ name: string; payload: unknown }>> {
    const items: Array<{ name: string; payload: unknown }> = [];
    for (const name of this.#names.slice(this.#head, this.#head + count)) {
      try {
        items.push({ name, payload: JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as unknown });
      } catch {
        await this.reject([name]);
      }
    }
    return items;
  }

  /** Delivered: gone from the spool. */
  async remove(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => rm(path.join(this.dir, name), { force: true })));
    this.#forget(names);
  }

  /** Refused for good by the receiver: kept in `rejected/` for a person to look at, never retried. */
  async reject(names: readonly string[]): Promise<void> {
    await mkdir(path.join(this.dir, 'rejected'), { recursive: true });
    await Promise.all(names.map((name) => rename(path.join(this.dir, name), path.join(this.dir, 'rejected', name)).catch(() => undefined)));
    this.#forget(names);
  }

  /**
   * Only items of the batch at the head are ever removed: the ones kept move up
   * to stay in order before the rest, and the head moves past the gap, so a
   * long backlog is not copied once per delivery.
   */
  #forget(names: readonly string[]): void {
    if (names.length === 0) return;
    const gone = new Set(names);
    let end = this.#head;
    while (gone.size > 0 && end < this.#names.length) gone.delete(this.#names[end++]!);
    const kept = this.#names.slice(this.#head, end).filter((name) => !names.includes(name));
    this.#head = end - kept.length;
    this.#names.splice(this.#head, kept.length, ...kept);
    if (this.#head > 4096 && this.#head * 2 > this.#names.length) {
      this.#names = this.#names.slice(this.#head);
      this.#head = 0;
    }
  }
}

const LOCK = 'owner.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This process's spool folder, `<logs>/spool/<host>/`: a core, its app workers
 * and a daemon may share one logs folder, and each delivers only what it
 * spooled itself. A restart on the same host takes its folder back; a second
 * process on the host while the first runs gets `<host>.<pid>/`.
 */
export async function claimSpoolRoot(logsPath: string, host: string): Promise<{ dir: string; release: () => Promise<void> }> {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
  for (const name of [safe, `${safe}.${process.pid}`]) {
    const dir = path.join(logsPath, 'spool', name);
    await mkdir(dir, { recursive: true });
    const lock = path.join(dir, LOCK);
    const owner = Number(await readFile(lock, 'utf8').catch(() => ''));
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) continue;
    await writeFile(lock, `${process.pid}\n`);
    return { dir, release: () => rm(lock, { force: true }) };
  }
  throw new Error(`cannot claim a spool folder under ${path.join(logsPath, 'spool')}`);
}
