import { createHmac } from 'node:crypto';
import type { Output } from './lane.ts';
import { publicAlert, type Alert } from './alert.ts';

/** Seconds one POST may take before it counts as failed and is retried. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `sha256=<hex>`: HMAC-SHA256 of the exact bytes sent, keyed with BROAPT_ALERT_SECRET. */
function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs one JSON alert per file; any answer but 2xx, or none, is retried. */
export function webhookOutput(url: URL, secret: string | undefined): Output {
  return {
    name: 'webhook',
    batch: 1,
    async deliver(items, signal) {
      const body = JSON.stringify(publicAlert(items[0] as Alert));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'broapt', 'x-broapt-alert-id': (items[0] as Alert).id };
      if (secret !== undefined) {
        headers['x-broapt-signature'] = signature(secret, body);
        headers['x-broapt-timestamp'] = String(Math.floor(Date.now() / 1000));
      }
      const response = await fetch(url, { method: 'POST', body, headers, redirect: 'error', signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`${url.origin} answered ${response.status} ${response.statusText}`);
    },
  };
}
