import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addSample, EICAR_API, EICAR_HASHES, fuidOf, outageScenario, spoolStates, writeCaptureLogs } from './helpers/alerts.ts';
import { runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

type Doc = Record<string, any>;

async function scanSamples(env: Record<string, string>, samples: Array<[number, boolean]>): Promise<void> {
  await ws().writeApi(EICAR_API);
  await writeCaptureLogs(ws().logs, samples.map(([i]) => i));
  for (const [i, malicious] of samples) await addSample(ws(), i, malicious);
  const result = await runCli(['scan'], { ...ws().env, ...env });
  expect(result.code, result.stderr).toBe(0);
}

function expectEicarDocument(doc: Doc | undefined): void {
  expect(doc).toMatchObject({
    ecs: { version: expect.any(String) },
    event: { kind: 'alert', category: ['malware', 'file'], outcome: 'success', module: 'broapt', risk_score: 100 },
    file: { mime_type: 'text/plain', hash: EICAR_HASHES },
    threat: { indicator: { type: 'file', file: { hash: EICAR_HASHES }, description: 'eicar_test_file' } },
    related: { hosts: ['evil1.example', '192.0.2.10', '203.0.113.1'], ip: ['192.0.2.10', '203.0.113.1'] },
    source: { ip: '192.0.2.10' },
    destination: { ip: '203.0.113.1' },
    url: { domain: 'evil1.example', path: '/payload1.txt' },
    tags: ['eicar_test_file'],
    broapt: { fuid: fuidOf(1), verdict: 'malicious' },
  });
  expect(Date.parse(doc!['@timestamp'] as string)).not.toBeNaN();
}

/**
 * Elasticsearch's _bulk as far as a client sees it: NDJSON action/document
 * pairs in, one item per action out. `answer` picks each item's status.
 */
function startBulk(answer: (doc: Doc, seen: number) => number, port = 0, stored = new Map<string, Doc[]>()) {
  const attempts = new Map<string, number>();
  const problems: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/es/_bulk' || req.headers['content-type'] !== 'application/x-ndjson' || req.headers.authorization !== 'ApiKey test-key' || !body.endsWith('\n')) {
        problems.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers.authorization}`);
        res.writeHead(400).end();
        return;
      }
      const lines = body.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Doc);
      if (lines.length % 2 !== 0) problems.push('odd number of NDJSON lines');
      const items = [];
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const action = lines[i]!.create as { _index: string; _id: string } | undefined;
        const doc = lines[i + 1]!;
        if (action === undefined || action._index !== 'broapt-files' || typeof action._id !== 'string' || doc.event?.id !== action._id) problems.push(`bad pair: ${JSON.stringify(lines[i])}`);
        const id = action?._id ?? '';
        const seen = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, seen);
        let status = answer(doc, seen);
        if (status === 201 && stored.has(id)) {
          status = 409;
          stored.get(id)!.push(doc);
        }
        if (status === 201) stored.set(id, [doc]);
        items.push({ create: { _index: 'broapt-files', _id: id, status, ...(status >= 300 ? { error: { type: status === 400 ? 'mapper_parsing_exception' : 'es_rejected_execution_exception', reason: 'test' } } : {}) } });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors: items.some((item) => item.create.status >= 300), items }));
    });
  });
  return new Promise<{ server: http.Server; port: number; stored: typeof stored; attempts: typeof attempts; problems: string[] }>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, stored, attempts, problems })),
  );
}

const elasticEnv = (port: number) => ({ BROAPT_ELASTIC_URL: `http://127.0.0.1:${port}/es`, BROAPT_ELASTIC_API_KEY: 'test-key', BROAPT_ELASTIC_INDEX: 'broapt-files' });

describe('ECS output', () => {
  it('writes every record as an ECS line: the EICAR file as an alert with hashes, indicator, hosts and tags, the clean one as an event', async () => {
    const file = path.join(ws().dir, 'ecs', 'broapt.ndjson');
    await scanSamples({ BROAPT_ECS_LOG: file }, [[1, true], [2, false]]);
    const docs = (await fs.readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Doc);
    expect(docs).toHaveLength(2);
    expectEicarDocument(docs.find((doc) => doc.broapt.fuid === fuidOf(1)));
    const clean = docs.find((doc) => doc.broapt.fuid === fuidOf(2))!;
    expect(clean.event).toMatchObject({ kind: 'event', category: ['file'] });
    expect(clean.threat).toBeUndefined();
    expect(clean.tags).toBeUndefined();
  });

  it('sends the documents with _bulk create actions: retries the items Elasticsearch answers 429 for, sets aside the ones it refuses for good', async () => {
    // File 3's document fails for good (400); file 1's is refused once (429), then taken.
    const bulk = await startBulk((doc, seen) => (doc.broapt.fuid === fuidOf(3) ? 400 : doc.broapt.fuid === fuidOf(1) && seen === 1 ? 429 : 201));
    await scanSamples(elasticEnv(bulk.port), [[1, true], [2, false], [3, true]]);
    bulk.server.close();
    expect(bulk.problems).toEqual([]);
    expect([...bulk.stored.keys()].map((id) => id.split(':')[0]).sort()).toEqual([fuidOf(1), fuidOf(2)]);
    expect(bulk.attempts.get([...bulk.stored.keys()].find((id) => id.startsWith(fuidOf(1)))!)).toBe(2);
    expectEicarDocument(bulk.stored.get(`${fuidOf(1)}:${EICAR_HASHES.sha256}`)![0]);
    const [state] = await spoolStates(ws().logs);
    expect(state).toMatchObject({ output: 'elastic', pending: 0, delivered: 2, rejected: 1 });
    const rejected = await fs.readdir(path.join(ws().logs, 'spool'), { recursive: true });
    expect(rejected.filter((name) => name.includes(`rejected${path.sep}`))).toHaveLength(1);
  });

  it('stores every document exactly once across a 5 s Elasticsearch outage', async () => {
    let bulk = await startBulk(() => 201);
    const stored = bulk.stored;
    const result = await outageScenario(ws(), {
      output: 'elastic',
      env: elasticEnv(bulk.port),
      count: () => [...stored.values()].filter(([doc]) => doc!.event.kind === 'alert').length,
      async stop() {
        bulk.server.closeAllConnections();
        await new Promise((resolve) => bulk.server.close(resolve));
      },
      async restart() {
        bulk = await startBulk(() => 201, bulk.port, stored);
      },
    });
    bulk.server.close();
    expect(result.code).toBe(0);
    expect(stored.size).toBe(5);
    expect([...stored.values()].map((docs) => docs.length)).toEqual([1, 1, 1, 1, 1]);
  }, 90_000);
});
