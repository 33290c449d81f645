import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import { UsageError } from './errors.ts';

export type { Logger };

/**
 * pino to stderr (stdout carries results): JSON lines for machines, or readable
 * lines when stderr is a terminal. BROAPT_LOG_LEVEL picks the level.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.BROAPT_LOG_LEVEL ?? 'info';
  const levels = [...Object.keys(pino.levels.values), 'silent'];
  // pino's own error for this is a stack trace about custom levels.
  if (!levels.includes(level)) throw new UsageError(`log level ${JSON.stringify(level)} is not one of ${levels.join(', ')}: fix --log-level or BROAPT_LOG_LEVEL.`, 'E_LOG_LEVEL');
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  if (usePretty) {
    // Loaded only for a terminal: machines (and start-up time) do without it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino({ level }, pretty({ destination: 2, sync: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }));
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything: for library callers and tests that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
