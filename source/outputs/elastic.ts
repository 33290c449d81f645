import type { Alert } from './alert.ts';
import { ecsDocument } from './ecs.ts';
import type { BatchOutcome, Output } from './lane.ts';

const REQUEST_TIMEOUT_MS = 30_000;

interface BulkItem {
  create?: { status?: number; error?: { type?: string; reason?: string } };
}

/** Statuses worth another try: the cluster is busy or an item timed out; anything else 4xx is the document's fault. */
const RETRYABLE = new Set([408, 429]);

/**
 * The ECS documents through Elasticsearch's _bulk API, as `create` actions
 * whose `_id` is the alert id: a batch sent twice (an answer lost on the way)
 * stores each document once, Elasticsearch answering 409 for the repeat.
 */
export function elasticOutput(url: URL, index: string, apiKey: string | undefined): Output {
  const endpoint = new URL(`${url.pathname.replace(/\/$/, '')}/_bulk`, url);
  return {
    name: 'elastic',
    batch: 500,
    async deliver(items, signal): Promise<BatchOutcome> {
      const alerts = items as Alert[];
      const body = alerts.map((alert) => `${JSON.stringify({ create: { _index: index, _id: alert.id } })}\n${JSON.stringify(ecsDocument(alert))}\n`).join('');
      const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', 'user-agent': 'broapt' };
      if (apiKey !== undefined) headers.authorization = `ApiKey ${apiKey}`;
      const response = await fetch(endpoint, { method: 'POST', body, headers, redirect: 'error', signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${endpoint.origin} answered ${response.status} ${response.statusText}: ${text.slice(0, 200)}`);
      const answer = JSON.parse(text) as { errors?: boolean; items?: BulkItem[] };
      if (answer.errors !== true) return { retry: [], rejected: [] };
      const outcome: BatchOutcome = { retry: [], rejected: [] };
      alerts.forEach((_, i) => {
        const result = answer.items?.[i]?.create;
        const status = result?.status ?? 0;
        if ((status >= 200 && status < 300) || status === 409) return;
        if (status >= 400 && status < 500 && !RETRYABLE.has(status)) outcome.rejected.push({ index: i, reason: `${status} ${result?.error?.type ?? ''}: ${result?.error?.reason ?? ''}` });
        else outcome.retry.push(i);
      });
      return outcome;
    },
  };
}
