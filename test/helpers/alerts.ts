import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { eicar } from '../../source/demo/samples.ts';
import { broaptName, type Workspace } from './workspace.ts';

/** An app that finds EICAR as the shipped scan does, without its databases: fast and the same on every machine. */
export const EICAR_API = `
example:
  report: if grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE "$BROAPT_PATH"; then echo '{"verdict":"malicious","score":100,"findings":[{"rule":"eicar_test_file","description":"EICAR test string","severity":"high"}]}'; else echo '{"verdict":"clean","score":0}'; fi
`;

/** The fuid broaptName gives file i. */
export function fuidOf(i: number): string {
  return `F${String(i).padStart(17, '0')}`;
}

/** Adds EICAR as file i (or a benign text when `malicious` is false); returns its path. */
export function addSample(ws: Workspace, i: number, malicious: boolean): Promise<string> {
  return ws.addFile(broaptName(i, 'text/plain', 'txt'), malicious ? eicar() : `benign text ${i}\n`);
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
