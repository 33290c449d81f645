import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchApp } from '../api/match.ts';
import { mimeOf } from '../entry/entry.ts';
import { makeEntry } from '../entry/make-entry.ts';
import { sameMime } from '../../apps/lib/mime-alias.ts';
import { StatusBoard, type Load } from '../metrics/board.ts';
import { PipelineMetrics } from '../metrics/prometheus.ts';
import type { FileRecord } from '../pipeline/record.ts';
import type { Session } from '../pipeline/session.ts';
import type { RedisSettings } from '../redis/settings.ts';
import { tokenChecker } from './auth.ts';
import { followCluster, type ClusterFeed } from './cluster-feed.ts';
import { resolveDumpFile } from './dump-file.ts';
import { streamStatus } from './events.ts';
import { BASE_HEADERS, ClientLimiter, readJsonBody, sendError, sendJson } from './http.ts';
import { jobView, JobStore, type Job } from './jobs.ts';
import { lastRecordOf } from './past-record.ts';
import { resultsPage } from './results-view.ts';
import { JOB_ID_WORDS, jobIdOf, parseScanRequest, RequestError } from './scan-request.ts';

export interface DaemonOptions {
  host: string;
  port: number;
  /** Bearer token every route but `/`, its assets and `/healthz` requires; undefined only for an explicit --insecure-loopback. */
  token: string | undefined;
  maxBodyBytes: number;
  /** Requests (event streams included) one client address may have open at once. */
  clientLimit: number;
  /** Connections one client address may hold, checked before anything is read from them. */
  connectionLimit: number;
  /** Time a connection has to send a request's headers (ms); the rest of the request gets REQUEST_GRACE_MS more. */
  headerTimeoutMs: number;
  /** Redis mode: the dashboard and metrics also show the deployment's workers (their results stream and queue). */
  cluster?: RedisSettings | undefined;
}

export interface Daemon {
  /** `http://host:port` it listens on. */
  url: string;
  board: StatusBoard;
  metrics: PipelineMetrics;
  /** Stop listening and end open connections (event streams); running scans are the session's to finish. */
  close(): Promise<void>;
}

const API = '/api/v1.0';
const HELP = [
  'broapt daemon API v1.0 (every route but /healthz needs `Authorization: Bearer <BROAPT_DAEMON_TOKEN>`):',
  '',
  `- POST   ${API}/scan        {"name": "<file relative to the dump folder>", "mime": "<media/subtype>", "uuid"?: "<id>"}`,
  `- GET    ${API}/list`,
  `- GET    ${API}/report/<id>`,
  `- DELETE ${API}/delete/<id>`,
  `- GET    ${API}/status      the dashboard's state; ${'/events'} streams it (server-sent events)`,
  `- GET    ${API}/results     the records, newest first: ?verdict=<verdict>&limit=<n>&offset=<n>; each with its unpacked members`,
  '- GET    /metrics           Prometheus text format',
  '- GET    /healthz',
  '',
].join('\n');

/** The dashboard: static files, loaded once, served without a token (they hold no data; the data routes need it). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/results': { file: 'results.html', type: 'text/html; charset=utf-8' },
  '/results.js': { file: 'results.js', type: 'text/javascript; charset=utf-8' },
};
/**
 * Connections held at once, all addresses together: below the descriptors a
 * process usually has, so a flood from many addresses is refused at accept
 * rather than starving the daemon of descriptors.
 */
const MAX_CONNECTIONS = 1024;
/** A scan request body is at most --max-body (64 KiB): past the headers, this is ample for it. */
const REQUEST_GRACE_MS = 20_000;
/** An idle kept-alive connection is closed after this long. */
const KEEP_ALIVE_MS = 5000;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The remote detection daemon: takes scan requests naming a file in the dump
 * folder and its MIME type, and runs the app its own api.yml assigns to that
 * MIME through the session's processor, like `scan` would. Commands are never
 * taken from a request.
 */
export async function startDaemon(session: Session, options: DaemonOptions): Promise<Daemon> {
  const { processor, settings, config, logger } = session;
  const workers = settings.jobs;
  let cluster: ClusterFeed | undefined;
  const load = (): Load => {
    const far = cluster?.load() ?? { queued: 0, running: 0 };
    return {
      queued: far.queued + processor.queued + Math.max(0, processor.active - workers),
      running: far.running + Math.min(processor.active, workers),
    };
  };
  const board = new StatusBoard(load);
  const metrics = new PipelineMetrics(load, workers, () => session.outputs.stats);
  const onRecord = (record: FileRecord) => {
    metrics.add(record);
    board.add(record);
  };
  processor.on('record', onRecord);
  if (options.cluster) cluster = await followCluster(options.cluster, onRecord, logger);
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    assets.set(route, { body: await readFile(new URL(`./dashboard/${file}`, import.meta.url)), type });
  }
  const authorized = tokenChecker(options.token);
  const limiter = new ClientLimiter(options.clientLimit);
  const jobs = new JobStore();

  const duplicate = (id: string) => new RequestError(409, 'E_DUPLICATE_ID', `a job ${id} exists already: send another uuid, or none`);

  async function scan(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = parseScanRequest(await readJsonBody(req, options.maxBodyBytes));
    if (request.uuid !== undefined && jobs.has(request.uuid)) throw duplicate(request.uuid);
    const file = await resolveDumpFile(settings.dumpPath, request.name);
    // A MIME no key matches goes to `example`, the generic app, as it would on the app side.
    const match = matchApp(config, mimeOf(request.mime));
    if (match.app.remote) {
      throw new RequestError(422, 'E_REMOTE_LOOP', `this daemon's own app for ${request.mime} (${match.app.key}) is remote: true; it must run here: remove \`remote\` from ${config.file}`);
    }
    const entry = await makeEntry(file);
    if (!sameMime(entry.mime.name, request.mime)) {
      throw new RequestError(422, 'E_MIME_MISMATCH', `${JSON.stringify(request.name)} is ${entry.mime.name} as this daemon reads it, not ${request.mime}: send the MIME type the file's name (or content) gives`);
    }
    // Checked again after the awaits above: a second request with this uuid may have come in meanwhile.
    if (request.uuid !== undefined && jobs.has(request.uuid)) throw duplicate(request.uuid);
    const job: Job = { id: request.uuid ?? randomUUID(), name: request.name, mime: request.mime, status: 'running', ignored: request.ignored };
    if (request.ignored.length > 0) logger.warn({ id: job.id, ignored: request.ignored }, 'scan request carried app keys; they are never used: the daemon runs its own api.yml app');
    let record;
    if (session.history.has(file)) {
      record = await lastRecordOf(settings.logsPath, file);
      if (record === undefined) {
        throw new RequestError(409, 'E_ALREADY_ANALYSED', `${JSON.stringify(request.name)} is in this daemon's history, but its record is not in processed.jsonl: remove it from dump.log (or fail.log) to analyse it again`);
      }
      jobs.add(job);
    } else {
      jobs.add(job);
      const result = processor.process(file);
      board.changed();
      record = await result;
      if (record === undefined) {
        jobs.delete(job.id);
        throw new RequestError(503, 'E_STOPPING', 'the daemon is stopping and took no new file: send the request again once it is back');
      }
    }
    jobs.finish(job, record);
    sendJson(res, 200, jobView(job, { record: true }));
  }

  function jobRoute(res: ServerResponse, text: string, remove: boolean): void {
    const id = jobIdOf(text);
    if (id === undefined) throw new RequestError(400, 'E_BAD_ID', `${JSON.stringify(text)} is not a job id: send ${JOB_ID_WORDS}`);
    const job = jobs.get(id);
    if (!job) throw new RequestError(404, 'E_NO_JOB', `no job ${id}: see ${API}/list`);
    if (!remove) return sendJson(res, 200, jobView(job, { record: true }));
    if (job.status === 'running') throw new RequestError(409, 'E_RUNNING', `job ${id} is still running: delete it once it has finished`);
    jobs.delete(job.id);
    sendJson(res, 200, jobView(job, { deleted: true }));
  }

  async function route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const method = req.method ?? 'GET';
    const allow = (methods: string) => {
      if (!methods.split(', ').includes(method)) throw new RequestError(405, 'E_METHOD', `${pathname} takes ${methods}`, { allow: methods });
    };
    if (pathname === `${API}/scan`) {
      allow('POST');
      return scan(req, res);
    }
    if (pathname === `${API}/list`) {
      allow('GET');
      return sendJson(res, 200, jobs.all().map((job) => jobView(job)));
    }
    const report = pathname.startsWith(`${API}/report/`) ? pathname.slice(`${API}/report/`.length) : undefined;
    if (report !== undefined) {
      allow('GET');
      return jobRoute(res, report, false);
    }
    const deleted = pathname.startsWith(`${API}/delete/`) ? pathname.slice(`${API}/delete/`.length) : undefined;
    if (deleted !== undefined) {
      allow('DELETE');
      return jobRoute(res, deleted, true);
    }
    if (pathname === `${API}/status`) {
      allow('GET');
      return sendJson(res, 200, board.snapshot());
    }
    if (pathname === `${API}/results`) {
      allow('GET');
      return sendJson(res, 200, resultsPage(session.results, new URL(req.url ?? '/', 'http://daemon').searchParams));
    }
    if (pathname === '/events') {
      allow('GET');
      return streamStatus(res, board);
    }
    if (pathname === '/metrics') {
      allow('GET');
      const text = await metrics.text();
      res.writeHead(200, { ...BASE_HEADERS, 'content-type': metrics.contentType });
      res.end(text);
      return;
    }
    if (pathname === '/api' || pathname === API) {
      allow('GET');
      res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end(HELP);
      return;
    }
    throw new RequestError(404, 'E_NOT_FOUND', `no route ${pathname}: GET ${API} lists them`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://daemon').pathname;
    const asset = assets.get(pathname);
    if (asset && req.method === 'GET') {
      res.writeHead(200, { ...BASE_HEADERS, 'content-type': asset.type, 'content-security-policy': CSP });
      res.end(asset.body);
      return;
    }
    if (pathname === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (pathname === '/favicon.ico' && req.method === 'GET') {
      // Browsers ask for it unprompted: an empty answer, not a 401 in the dashboard's console.
      res.writeHead(204, BASE_HEADERS);
      res.end();
      return;
    }
    if (!authorized(req)) {
      logger.warn({ client: req.socket.remoteAddress, path: pathname }, 'refused a request without the right bearer token');
      throw new RequestError(401, 'E_UNAUTHORIZED', 'send `Authorization: Bearer <token>` with the token the daemon was started with (BROAPT_DAEMON_TOKEN)', {
        'www-authenticate': 'Bearer realm="broapt"',
      });
    }
    const release = limiter.acquire(req.socket.remoteAddress ?? '');
    if (!release) {
      throw new RequestError(429, 'E_TOO_MANY', `at most ${options.clientLimit} requests at once per client: wait for one to finish`, { 'retry-after': '1' });
    }
    res.on('close', release);
    await route(req, res, pathname);
  }

  const server = http.createServer(
    {
      headersTimeout: options.headerTimeoutMs,
      requestTimeout: options.headerTimeoutMs + REQUEST_GRACE_MS,
      keepAliveTimeout: Math.min(KEEP_ALIVE_MS, options.headerTimeoutMs),
      // How often Node looks for connections past these times: the default (30 s) lets a slow-loris hold them that long.
      connectionsCheckingInterval: Math.min(1000, options.headerTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof RequestError) {
          sendError(res, error);
          return;
        }
        logger.error({ err: error, path: req.url }, 'daemon: internal error');
        sendError(res, new RequestError(500, 'E_INTERNAL', 'internal error; see the daemon log'));
      });
    },
  );
  server.maxConnections = MAX_CONNECTIONS;
  // Before any byte is read, hence before authentication: one address cannot hold the daemon's descriptors.
  const connections = new ClientLimiter(options.connectionLimit);
  let refusedConnections = 0;
  server.on('connection', (socket) => {
    const release = connections.acquire(socket.remoteAddress ?? '');
    if (release) {
      socket.once('close', release);
      return;
    }
    socket.destroy();
    // One warning per burst, not one per refused connection of a flood.
    if (refusedConnections++ % 1000 === 0) logger.warn({ client: socket.remoteAddress, limit: options.connectionLimit, refused: refusedConnections }, 'refused connections past the per-address limit');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await cluster?.stop();
    throw error;
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    board,
    metrics,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await cluster?.stop();
    },
  };
}
