import fs from 'node:fs';
import path from 'node:path';
import { normalizeReport, type AppReport } from '../report/report.ts';
import type { RemoteTarget } from '../runner/remote-target.ts';
import type { CommandResult } from '../runner/result.ts';

export interface RemoteCall {
  target: RemoteTarget;
  mime: string;
  /** Per attempt. */
  timeoutMs: number;
  maxAttempts: number;
  backoffCapMs: number;
  /** The API log the exchange is written to, as a command's output would be. */
  logFile: string;
}

export interface RemoteOutcome {
  /** The call as a command of the app's `report` phase, for the record. */
  result: CommandResult;
  report?: AppReport;
  /** Set when the file failed: in words a user can act on. */
  reason?: string;
}

const BACKOFF_BASE_MS = 250;
/** Even with no back-off configured (--interval 0), a busy daemon is not asked again at once. */
const BUSY_MIN_WAIT_MS = 50;
/** Answers worth another attempt: the daemon is busy, stopping, or broke on the way. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * Ask the daemon to analyse the file with its own app, retrying what may pass
 * on a second try (no connection, time-out, 5xx) with the runner's back-off,
 * waiting while it is busy (429), and take its report back. A refusal (4xx) or a failure of the
 * daemon's app is final: the daemon already retried its own commands.
 */
export async function scanRemotely(call: RemoteCall): Promise<RemoteOutcome> {
  const { target } = call;
  const endpoint = `${target.url}/api/v1.0/scan`;
  const body = JSON.stringify({ name: target.name, mime: call.mime });
  const started = performance.now();
  fs.mkdirSync(path.dirname(call.logFile), { recursive: true });
  const log = (line: string) => fs.appendFileSync(call.logFile, `${line}\n`);
  const outcome = (attempts: number, fields: { ok: boolean; timedOut?: boolean; error?: string; report?: AppReport; reason?: string }): RemoteOutcome => ({
    result: {
      phase: 'report',
      index: 1,
      command: `POST ${endpoint}`,
      exitCode: fields.ok ? 0 : null,
      signal: null,
      timedOut: fields.timedOut === true,
      durationMs: Math.round(performance.now() - started),
      attempts,
      log: call.logFile,
      ...(fields.error === undefined ? {} : { error: fields.error }),
    },
    ...(fields.report === undefined ? {} : { report: fields.report }),
    ...(fields.reason === undefined ? {} : { reason: fields.reason }),
  });
  // A busy daemon (429: this client's concurrency limit) is waited for, not counted as a failed attempt,
  // for as long as all attempts could have taken: an app side with more workers than that limit still gets through.
  const busyBudgetMs = call.timeoutMs * call.maxAttempts;
  let busyWaits = 0;
  for (let attempt = 1; ; attempt++) {
    log(`# open: ${new Date().toString()}`);
    log(`# remote: POST ${endpoint} ${body}`);
    let status: number | undefined;
    let answer: Record<string, unknown> = {};
    let problem: string;
    let timedOut = false;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }) },
        body,
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      status = response.status;
      const text = await response.text();
      log(text.trimEnd());
      try {
        answer = JSON.parse(text) as Record<string, unknown>;
      } catch {
        answer = {};
      }
      problem = `the daemon answered HTTP ${status}${typeof answer.message === 'string' ? `: ${answer.message}` : ''}`;
    } catch (error) {
      timedOut = (error as Error).name === 'TimeoutError';
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      problem = timedOut ? `the daemon did not answer within ${call.timeoutMs / 1000} s` : `cannot reach the daemon at ${target.url} (${cause?.code ?? cause?.message ?? (error as Error).message})`;
    }
    log(`# exit: ${status === undefined ? problem : `HTTP ${status}`}`);
    log(`# close: ${new Date().toString()}`);
    if (status === 200 && answer.status === 'done') {
      const report = answer.report === undefined ? undefined : normalizeReport(answer.report);
      if (report) report.details = { ...report.details, daemon: target.url, job: answer.id };
      return outcome(attempt, { ok: true, ...(report === undefined ? {} : { report }) });
    }
    if (status === 200) {
      const why = typeof answer.reason === 'string' ? answer.reason : 'no reason given';
      return outcome(attempt, { ok: false, error: `the daemon's app failed`, reason: `remote app on ${target.url} failed: ${why}; see ${call.logFile}` });
    }
    if (status === 429 && performance.now() - started < busyBudgetMs) {
      attempt--;
      await sleep(Math.max(BUSY_MIN_WAIT_MS, Math.min(call.backoffCapMs, BACKOFF_BASE_MS * 2 ** busyWaits++)));
      continue;
    }
    const retryable = status === undefined || RETRYABLE.has(status);
    if (!retryable || attempt >= call.maxAttempts) {
      const hint = status === 401 ? ' (set BROAPT_DAEMON_TOKEN to the daemon\'s token)' : '';
      const after = `after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
      return outcome(attempt, { ok: false, timedOut, error: problem, reason: `remote scan of ${JSON.stringify(target.name)} failed ${after}: ${problem}${hint}; see ${call.logFile}` });
    }
    await sleep(Math.min(call.backoffCapMs, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
