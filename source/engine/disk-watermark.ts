import { statfs } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import { number, pick } from '../settings.ts';
import { UsageError } from '../errors.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** Fraction of the file system holding `dir` that is in use, as `df` counts it (blocks reserved for root count as used). */
export async function diskUsage(dir: string): Promise<number> {
  const { blocks, bavail } = await statfs(dir);
  return blocks === 0 ? 0 : 1 - bavail / blocks;
}

export interface WatermarkOptions {
  /** Stop feeding above this fraction in use (BROAPT_DISK_HIGH, percent) [0.9]. */
  high: number;
  /** Resume under this fraction (BROAPT_DISK_LOW, percent) [0.8]. */
  low: number;
  pollMs?: number;
  logger?: Logger;
  /** How full the disk is; the real statfs unless a caller measures otherwise. */
  usage?: (dir: string) => Promise<number>;
}

export function watermarkSettings(env: NodeJS.ProcessEnv = process.env): { high: number; low: number } {
  const high = number(pick(undefined, '', env, ['BROAPT_DISK_HIGH']), 90, { integer: false, min: 1 }) / 100;
  const low = number(pick(undefined, '', env, ['BROAPT_DISK_LOW']), 80, { integer: false, min: 0 }) / 100;
  if (high > 1 || low >= high) throw new UsageError(`BROAPT_DISK_LOW (${low * 100}) must be below BROAPT_DISK_HIGH (${high * 100}), which is at most 100.`, 'E_SETTING');
  return { high, low };
}

/**
 * Extraction outrunning analysis until the disk fills is what hurts most: a
 * feeder (the core side taking new PCAPs) asks `ready()` before each one. Above
 * the high watermark it waits until usage falls under the low one, so it does
 * not flap around a single threshold.
 */
export class DiskWatermark {
  readonly #dir: string;
  readonly #o: Required<Omit<WatermarkOptions, 'logger'>> & { logger: Logger | undefined };
  #above = false;

  constructor(dir: string, options: WatermarkOptions) {
    this.#dir = dir;
    this.#o = { pollMs: 1000, usage: diskUsage, ...options, logger: options.logger };
  }

  /** True while feeding is held back. */
  get holding(): boolean {
    return this.#above;
  }

  /** Resolves when feeding may go on; false when `stopped()` turned true while waiting. */
  async ready(stopped: () => boolean = () => false): Promise<boolean> {
    for (;;) {
      const used = await this.#o.usage(this.#dir);
      if (used < (this.#above ? this.#o.low : this.#o.high)) {
        if (this.#above) this.#o.logger?.info({ dir: this.#dir, used }, 'dump folder disk under the low watermark: feeding again');
        this.#above = false;
        return true;
      }
      if (!this.#above) this.#o.logger?.warn({ dir: this.#dir, used, high: this.#o.high, low: this.#o.low }, 'dump folder disk above the high watermark: holding new input until analysis frees space');
      this.#above = true;
      if (stopped()) return false;
      await sleep(this.#o.pollMs);
    }
  }
}
