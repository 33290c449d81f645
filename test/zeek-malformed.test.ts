import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BroaptError, defaultHeader, readZeekLog, ZeekLogError, ZeekTsvWriter, type ZeekRecord } from '../source/index.ts';

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2024-01-01-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.resp_p\tduration\tlocal_orig\tservice\tnote',
  '#types\ttime\tstring\taddr\tport\tinterval\tbool\tset[string]\tstring',
].join('\n');
const GOOD = '1362692527.009512\tCabc\t10.0.0.1\t80\t0.000263\tT\thttp,dns\tplain';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'broapt-zeek-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function log(name: string, text: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function drain(file: string, lenient = false): Promise<{ records: ZeekRecord[]; skipped: number }> {
  const reader = readZeekLog(file, { lenient });
  const records: ZeekRecord[] = [];
  for await (const record of reader) records.push(record);
  return { records, skipped: reader.stats.skipped };
}

const CASES: Array<[string, string, number, RegExp]> = [
  ['wrong field count', `${HEADER}\n${GOOD}\n1362692527.1\tCdef\n`, 10, /has 2 fields but #fields names 8/],
  ['missing #fields header', `#separator \\x09\n#path\tconn\n${GOOD}\n`, 3, /before any #fields header/],
  ['bad \\x escape', `${HEADER}\n${GOOD.replace('plain', 'bad\\xZZ')}\n`, 9, /field note \(string\): bad escape "\\xZZ"/],
  ['time that is not a time', `${HEADER}\n${GOOD.replace('1362692527.009512', 'yesterday')}\n`, 9, /field ts \(time\): "yesterday" is not a time/],
  ['port out of range', `${HEADER}\n${GOOD.replace('\t80\t', '\t70000\t')}\n`, 9, /field id.resp_p \(port\): "70000" is out of range/],
  ['bool that is not T/F', `${HEADER}\n${GOOD.replace('\tT\t', '\tyes\t')}\n`, 9, /field local_orig \(bool\): "yes" is not a bool/],
  ['addr that is not an address', `${HEADER}\n${GOOD.replace('10.0.0.1', '10.0.0.300')}\n`, 9, /field id.orig_h \(addr\): "10.0.0.300" is not an address/],
  ['interval marked (empty)', `${HEADER}\n${GOOD.replace('0.000263', '(empty)')}\n`, 9, /field duration \(interval\): "\(empty\)" is not a interval/],
  ['truncated last line', `${HEADER}\n${GOOD}\n${GOOD.slice(0, 20)}`, 10, /last line is truncated/],
  ['#fields and #types disagree', `${HEADER}\tcount\n${GOOD}\n`.replace('#types', '#types\tcount'), 9, /#fields names 8 fields but #types has 10/],
  ['JSON line cut short', '{"ts":1.5,"uid":"C1"}\n{"ts":2.5,"ui\n', 2, /not valid JSON/],
  ['JSON line that is not an object', '{"ts":1.5}\n[1,2]\n', 2, /must be one object/],
];

describe('malformed Zeek logs', () => {
  it.each(CASES)('%s: ZeekLogError naming file and line', async (name, text, line, detail) => {
    const file = await log(`${name.replace(/\W+/g, '-')}.log`, text);
    const error = await drain(file).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ZeekLogError);
    expect(error).toBeInstanceOf(BroaptError);
    expect(error).toMatchObject({ code: 'E_ZEEK_LOG', file, line });
    expect((error as Error).message).toContain(`${file}:${line}: `);
    expect((error as Error).message).toMatch(detail);
  });

  it.each(CASES)('%s: lenient mode skips and counts the bad line', async (name, text) => {
    const file = await log(`lenient-${name.replace(/\W+/g, '-')}.log`, text);
    const { records, skipped } = await drain(file, true);
    expect(skipped).toBe(1);
    expect(records.length).toBeGreaterThanOrEqual(text.startsWith('{') ? 1 : 0);
  });

  it('names an unreadable file', async () => {
    await expect(drain(path.join(dir, 'absent.log'))).rejects.toMatchObject({ code: 'E_ZEEK_LOG', message: expect.stringMatching(/absent\.log: cannot read the log: .*ENOENT/) });
  });

  it('detects gzip by its magic bytes, whatever the name', async () => {
    const file = await log('conn.txt', gzipSync(`${HEADER}\n${GOOD}\n#close\t2024-01-01-00-00-01\n`));
    const { records } = await drain(file);
    expect(records).toEqual([
      { ts: 1362692527.009512, uid: 'Cabc', 'id.orig_h': '10.0.0.1', 'id.resp_p': 80, duration: 0.000263, local_orig: true, service: ['http', 'dns'], note: 'plain' },
    ]);
  });

  it('reads every header block of a file and keeps empty apart from unset', async () => {
    const second = HEADER.replace('#path\tconn', '#path\tconn2');
    const text = `${HEADER}\n${GOOD}\n#close\tx\n${second}\n${GOOD.replace('http,dns', '(empty)').replace('plain', '(empty)')}\n${GOOD.replace('http,dns', '-').replace('plain', '-')}\n`;
    const reader = readZeekLog(await log('blocks.log', text));
    const seen: Array<[string | undefined, ZeekRecord]> = [];
    for await (const record of reader) seen.push([reader.header.path, record]);
    expect(seen.map(([where, record]) => [where, record.service, record.note])).toEqual([
      ['conn', ['http', 'dns'], 'plain'],
      ['conn2', [], ''],
      ['conn2', null, null],
    ]);
  });

  it('writes hand-built records the way Zeek does', () => {
    const out: string[] = [];
    const writer = new ZeekTsvWriter({ write: (chunk: string) => out.push(chunk) });
    const header = { ...defaultHeader(), path: 'conn', open: '2024-01-01-00-00-00' };
    writer.writeHeader({
      ...header,
      fields: ['ts', 'uid', 'id.orig_h', 'id.resp_p', 'duration', 'local_orig', 'service', 'note'],
      types: ['time', 'string', 'addr', 'port', 'interval', 'bool', 'set[string]', 'string'],
    });
    writer.writeRecord({ ts: 1362692527.009512, uid: 'Cabc', 'id.orig_h': '10.0.0.1', 'id.resp_p': 80, duration: 0.000263, local_orig: true, service: ['http', 'dns'], note: 'plain' });
    writer.writeRecord({ ts: 1, uid: '-', 'id.orig_h': null, duration: 2.5, local_orig: false, service: ['a,b', 'tab\there'], note: 'back\\slash\x07' });
    writer.writeClose('2024-01-01-00-00-01');
    expect(out.join('')).toBe(
      `${HEADER}\n${GOOD}\n1.000000\t\\x2d\t-\t-\t2.500000\tF\ta\\x2cb,tab\\x09here\tback\\\\slash\\x07\n#close\t2024-01-01-00-00-01\n`,
    );
  });

  it('reprints a changed value in Zeek form, not the text it was read from', async () => {
    const file = await log('changed.log', `${HEADER}\n${GOOD.replace('0.000263', '0.5').replace('plain', 'Amazon\\, Inc.')}\n`);
    const out: string[] = [];
    const writer = new ZeekTsvWriter({ write: (chunk: string) => out.push(chunk) });
    for await (const entry of readZeekLog(file).entries()) {
      if (entry.kind === 'record') entry.record.duration = 0.25;
      writer.write(entry);
    }
    expect(out.join('').split('\n')[8]).toBe(GOOD.replace('0.000263', '0.250000').replace('plain', 'Amazon\\, Inc.'));
  });
});
