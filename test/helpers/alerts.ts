import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { eicar } from '../../source/demo/samples.ts';
import { broaptName, startCli, waitFor, type CliResult, type Workspace } from './workspace.ts';

/**
 * An app that finds EICAR as the shipped scan does, without its databases:
 * fast and the same on every machine. A file holding SUSPICIOUS_MARKER is
 * suspicious.
 */
export const EICAR_API = `
example:
  report: if grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE "$BROAPT_PATH"; then echo '{"verdict":"malicious","score":100,"findings":[{"rule":"eicar_test_file","description":"EICAR test string","severity":"high"}]}'; elif grep -q SUSPICIOUS_MARKER "$BROAPT_PATH"; then echo '{"verdict":"suspicious","score":50,"findings":[{"rule":"odd_marker","description":"a marker","severity":"medium"}]}'; else echo '{"verdict":"clean","score":0}'; fi
`;

/** What the alerts of an EICAR file must carry. */
export const EICAR_HASHES = {
  md5: '44d88612fea8a8f36de82e1278abb02f',
  sha1: '3395856ce81f2b7382dee72602f798b642f14140',
  sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
};

/** The fuid broaptName gives file i. */
export function fuidOf(i: number): string {
  return `F${String(i).padStart(17, '0')}`;
}

/** Adds EICAR as file i (a benign text when `kind` is false, a suspicious one for 'suspicious'); returns its path. */
export function addSample(ws: Workspace, i: number, kind: boolean | 'suspicious'): Promise<string> {
  const content = kind === true ? eicar() : kind === 'suspicious' ? `SUSPICIOUS_MARKER ${i}\n` : `benign text ${i}\n`;
  return ws.addFile(broaptName(i, 'text/plain', 'txt'), content);
}

const HEADER = (pathName: string, fields: string[], types: string[]) =>
  ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${pathName}`, '#open\t2026-01-01-00-00-00', `#fields\t${fields.join('\t')}`, `#types\t${types.join('\t')}`].join('\n');

/**
 * A capture's Zeek logs as `run` leaves them (`<logs>/test-<uuid>/`): files i
 * came over HTTP from 203.0.113.<i> to 192.0.2.10 on connection C<i>, as
 * `http://evil<i>.example/payload<i>.txt`.
 */
export async function writeCaptureLogs(logs: string, files: number[], pcap = 'test'): Promise<string> {
  const folder = path.join(logs, `${pcap}-${randomUUID()}`);
  await fs.mkdir(folder, { recursive: true });
  const filesLog = [
    HEADER('files', ['ts', 'fuid', 'tx_hosts', 'rx_hosts', 'conn_uids', 'source', 'mime_type', 'is_orig', 'md5'], ['time', 'string', 'set[addr]', 'set[addr]', 'set[string]', 'string', 'string', 'bool', 'string']),
    ...files.map((i) => `1700000000.0\t${fuidOf(i)}\t203.0.113.${i}\t192.0.2.10\tC${i}\tHTTP\ttext/plain\tF\t-`),
  ];
  const connLog = [
    HEADER('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto'], ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum']),
    ...files.map((i) => `1700000000.0\tC${i}\t192.0.2.10\t4${String(i).padStart(4, '0')}\t203.0.113.${i}\t80\ttcp`),
  ];
  const httpLog = [
    HEADER('http', ['ts', 'uid', 'id.orig_h', 'id.resp_h', 'host', 'uri', 'resp_fuids'], ['time', 'string', 'addr', 'addr', 'string', 'string', 'vector[string]']),
    ...files.map((i) => `1700000000.0\tC${i}\t192.0.2.10\t203.0.113.${i}\tevil${i}.example\t/payload${i}.txt\t${fuidOf(i)}`),
  ];
  for (const [name, lines] of [['files.log', filesLog], ['conn.log', connLog], ['http.log', httpLog]] as const) {
    await fs.writeFile(path.join(folder, name), `${[...lines, '#close\t2026-01-01-00-00-01'].join('\n')}\n`);
  }
  return folder;
}

/** The spool state of each output this workspace's runs wrote (`<logs>/spool/<host>/<output>/state.json`). */
export async function spoolStates(logs: string): Promise<Array<{ output: string; pending: number; failed: number; delivered: number }>> {
  const states = [];
  for (const host of await fs.readdir(path.join(logs, 'spool')).catch(() => [])) {
    for (const output of await fs.readdir(path.join(logs, 'spool', host)).catch(() => [])) {
      const text = await fs.readFile(path.join(logs, 'spool', host, output, 'state.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) states.push(JSON.parse(text) as { output: string; pending: number; failed: number; delivered: number });
    }
  }
  return states;
}

/**
 * The acceptance scenario of every networked output: `watch` with `env`
 * alerts on EICAR file 1 (not on benign file 2); the receiver stops; files
 * 3-5 arrive (3 and 5 EICAR) and their deliveries fail and are spooled; after
 * 5 s the receiver is back and gets them. `count` is the number of distinct
 * alerts the receiver holds.
 */
export async function outageScenario(ws: Workspace, options: { output: string; env: Record<string, string>; count: () => number; stop: () => Promise<void>; restart: () => Promise<void> }): Promise<CliResult> {
  await ws.writeApi(EICAR_API);
  await writeCaptureLogs(ws.logs, [1, 2, 3, 4, 5]);
  await addSample(ws, 1, true);
  await addSample(ws, 2, false);
  const run = startCli(['watch', '--settle-time', '0.1'], { ...ws.env, ...options.env });
  await waitFor(() => options.count() === 1, 30_000, 'the first alert');
  await options.stop();
  const downAt = Date.now();
  await addSample(ws, 3, true);
  await addSample(ws, 4, false);
  await addSample(ws, 5, true);
  await waitFor(async () => (await ws.readLines('dump.log')).length === 5, 30_000, 'the files analysed while the receiver is down');
  await waitFor(async () => (await spoolStates(ws.logs)).some((s) => s.output === options.output && s.failed > 0 && s.pending >= 2), 30_000, 'failed deliveries spooled');
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 5000 - (Date.now() - downAt))));
  await options.restart();
  await waitFor(() => options.count() === 3, 30_000, 'the spooled alerts after the receiver came back');
  run.child.kill('SIGTERM');
  return run.done;
}
