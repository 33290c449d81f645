/**
 * Promises that resolve once a condition on their owner's state holds: the
 * owner calls check() wherever that state may have changed.
 */
export class Conditions {
  #waits: Array<{ holds: () => boolean; resolve: () => void }> = [];

  /** Resolves at once if `holds()` is true now, else at the first check() that finds it true. */
  until(holds: () => boolean): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise((resolve) => this.#waits.push({ holds, resolve }));
  }

  check(): void {
    if (this.#waits.length === 0) return;
    this.#waits = this.#waits.filter(({ holds, resolve }) => {
      if (!holds()) return true;
      resolve();
      return false;
    });
  }
}
