import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryStats } from '../outputs/lane.ts';
import type { FileRecord } from '../pipeline/record.ts';
import type { Load } from './board.ts';
import { BoundedNames } from './bounded.ts';

/** Seconds: a file's apps take from milliseconds (a grep) to minutes (a sandboxed detonation). */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The pipeline in Prometheus text format: files processed per MIME and
 * verdict, files failed per MIME, each app's time per file as a histogram,
 * and at scrape time the queue depth and busy workers. A registry of its own,
 * so two daemons in one process (tests) never share counters.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly #processed: Counter<'mime' | 'verdict'>;
  readonly #failed: Counter<'mime'>;
  readonly #duration: Histogram<'app'>;
  readonly #mimes = new BoundedNames();

  constructor(load: () => Load, workers: number, deliveries: () => DeliveryStats[] = () => []) {
    const registers = [this.registry];
    this.#processed = new Counter({
      name: 'broapt_files_processed_total',
      help: 'Files analysed to the end, by MIME type and verdict (unknown: no app gave one).',
      labelNames: ['mime', 'verdict'],
      registers,
    });
    this.#failed = new Counter({ name: 'broapt_files_failed_total', help: 'Files that failed, by MIME type.', labelNames: ['mime'], registers });
    this.#duration = new Histogram({
      name: 'broapt_app_duration_seconds',
      help: 'Time from taking a file to its record, by api.yml app.',
      labelNames: ['app'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'broapt_queue_depth',
      help: 'Files waiting for a worker.',
      registers,
      collect() {
        this.set(load().queued);
      },
    });
    new Gauge({
      name: 'broapt_workers_busy',
      help: 'Workers analysing a file.',
      registers,
      collect() {
        this.set(load().running);
      },
    });
    new Gauge({ name: 'broapt_workers', help: 'Workers in the pool (--jobs).', registers }).set(workers);
    new Gauge({
      name: 'broapt_output_pending',
      help: 'Alerts and records spooled for an output (webhook, syslog, …) and not yet delivered.',
      labelNames: ['output'],
      registers,
      collect() {
        for (const stats of deliveries()) this.set({ output: stats.output }, stats.pending);
      },
    });
    const counts = [
      ['failed', 'broapt_output_failed_total', 'Delivery attempts that failed, per item, by output; each is retried from the spool (or kept in rejected/ when refused for good).'],
      ['delivered', 'broapt_output_delivered_total', 'Alerts and records an output took, by output.'],
    ] as const;
    for (const [key, name, help] of counts) {
      new Counter({
        name,
        help,
        labelNames: ['output'],
        registers,
        collect() {
          // The lanes keep the totals (across restarts, in their state.json); the counter shows them.
          this.reset();
          for (const stats of deliveries()) this.inc({ output: stats.output }, stats[key]);
        },
      });
    }
  }

  add(record: FileRecord): void {
    const mime = this.#mimes.name(record.mime || 'unknown');
    if (record.status === 'failed') this.#failed.inc({ mime });
    else this.#processed.inc({ mime, verdict: record.verdict ?? 'none' });
    if (record.app !== '') this.#duration.observe({ app: record.app }, record.durationMs / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
