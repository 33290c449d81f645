/** Distinct MIME names kept apart: MIME names come from the files, so their number is the sender's choice. */
export const MAX_MIMES = 200;
export const OTHER_MIME = 'other';

/**
 * Maps names to themselves until `max` distinct ones were seen, later new
 * ones to `other`: a table row or metric label per name stays bounded.
 */
export class BoundedNames {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max = MAX_MIMES) {
    this.#max = max;
  }

  name(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max) return OTHER_MIME;
    this.#seen.add(value);
    return value;
  }
}
