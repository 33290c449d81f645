import type { ServerResponse } from 'node:http';
import type { StatusSource } from '../metrics/board.ts';
import { BASE_HEADERS } from './http.ts';

/** Changes closer together than this go out as one event: a burst of small files would flood the browser. */
const COALESCE_MS = 200;
/** A full state this often even without a change: throughput minutes move on, proxies keep the stream open. */
const REFRESH_MS = 5_000;

/** Server-sent events: the whole state as an `event: state` at once, then after every change. */
export function streamStatus(res: ServerResponse, source: StatusSource): void {
  res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    timer = undefined;
    res.write(`event: state\ndata: ${JSON.stringify(source.snapshot())}\n\n`);
  };
  send();
  const unsubscribe = source.onChange(() => {
    timer ??= setTimeout(send, COALESCE_MS);
  });
  const refresh = setInterval(send, REFRESH_MS);
  res.on('close', () => {
    unsubscribe();
    clearTimeout(timer);
    clearInterval(refresh);
  });
}
