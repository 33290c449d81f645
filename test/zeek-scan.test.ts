import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainIPv6 } from '../source/zeek/address.ts';
import { applyDirective, defaultHeader, parseDirective } from '../source/zeek/header.ts';
import { readZeekLog } from '../source/zeek/read.ts';
import { ZeekJsonWriter } from '../source/zeek/json-writer.ts';
import { canonicalKeys } from '../source/zeek/json-scan.ts';
import { ZeekTsvWriter } from '../source/zeek/tsv-writer.ts';
import { codecFor, type ZeekRecord } from '../source/zeek/values.ts';
import { requireFixtures } from './helpers/fixtures.ts';

/**
 * The reader scans the usual spellings of values itself and leaves the rest to
 * the codecs; these tests hold it to what the codecs alone read, field by field.
 */
function codecRecords(text: string): ZeekRecord[] {
  let header = defaultHeader();
  const masked = text.startsWith('### BTest baseline data');
  const records: ZeekRecord[] = [];
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('#')) {
      const directive = parseDirective(line, header.separator);
      if (directive !== undefined) header = applyDirective(header, directive);
      continue;
    }
    const cells = line.split(header.separator);
    records.push(Object.fromEntries(header.fields.map((name, i) => [name, codecFor(header.types[i] as string, header, masked).parse(cells[i] as string)])));
  }
  return records;
}

async function read(file: string): Promise<ZeekRecord[]> {
  const all: ZeekRecord[] = [];
  for await (const record of readZeekLog(file)) all.push(record);
  return all;
}

async function rewrite(file: string): Promise<string> {
  const out: string[] = [];
  const writer = new ZeekTsvWriter({ write: (chunk: string) => out.push(chunk) });
  for await (const entry of readZeekLog(file).entries()) writer.write(entry);
  return out.join('');
}

function header(fields: string[], types: string[], marks = '#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-'): string {
  return `#separator \\x09\n${marks}\n#path\tt\n#fields\t${fields.join('\t')}\n#types\t${types.join('\t')}\n`;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'broapt-zeek-scan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function log(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const ODD: Record<string, string[]> = {
  time: ['1521911721.013700', '0.000000', '0.5', '1.50', '01.000000', '-1.000000', '-0.000000', '4294967295.999999', '4294967296.000000', '9999999999.999999', '1e3', '12.1234567'],
  count: ['0', '7', '00', '007', '999999999999999', '9999999999999999', '18446744073709551615'],
  port: ['0', '80', '65535', '080'],
  int: ['-5', '-0', '12', '012'],
  double: ['0.1', '0.30000000000000004', '1.0', '1e21', '-2.5'],
  bool: ['T', 'F'],
  addr: ['10.0.0.1', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::', '::1', '1::', 'fe80::1%eth0', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', 'ABCD::EF'],
  subnet: ['10.0.0.0/8', '2001:db8::/32'],
  string: ['plain', 'back\\\\slash', 'Amazon\\, Inc.', 'caf\\xc3\\xa9', 'bell\\x07', 'x\u00e9y', 'del\u007f', '(empty)x'],
  'set[string]': ['a,b', 'a,-,b', 'a,(empty)', 'a\\x2cb,c', 'a,,b', 'solo'],
  'vector[count]': ['1,2,3', '1,-,3', '01,2'],
  'set[addr]': ['10.0.0.1,2001:db8::1', '10.0.0.1,::ffff:1.2.3.4'],
  'vector[interval]': ['1.000000,2.5', '0.000001'],
};

describe('reading values the codecs read', () => {
  it('reads odd spellings of every type as the codecs do, and writes them back byte for byte', async () => {
    const types = Object.keys(ODD);
    const rows = Math.max(...Object.values(ODD).map((texts) => texts.length));
    const lines = Array.from({ length: rows + 1 }, (_, row) => types.map((type) => (row === rows ? '-' : (ODD[type]?.[row % (ODD[type]?.length ?? 1)] as string))).join('\t'));
    const text = `${header(types.map((type) => type.replace(/\W/g, '_')), types)}${lines.join('\n')}\n`;
    const file = await log('odd.log', text);
    expect(await read(file)).toEqual(codecRecords(text));
    expect(await rewrite(file)).toBe(text);
  });

  it('reads the empty marker per type, and rejects it where a type has no empty form', async () => {
    const text = header(['s', 'l', 'a'], ['string', 'set[count]', 'addr']) + '(empty)\t(empty)\t(empty)\n';
    const file = await log('empty.log', text);
    expect(await read(file)).toEqual([{ s: '', l: [], a: '' }]);
    const bad = await log('empty-count.log', header(['c'], ['count']) + '(empty)\n');
    await expect(read(bad)).rejects.toThrow(/field c \(count\): "\(empty\)" is not a count/);
  });

  it('honours markers that look like values, and separators the scanners leave to the codecs', async () => {
    const marks = '#set_separator\t;\n#empty_field\t10.0.0.1\n#unset_field\t0';
    const text = header(['a', 'c', 's', 'l'], ['addr', 'count', 'string', 'set[count]'], marks) + '10.0.0.1\t0\t0\t1;0;2\n10.0.0.2\t5\t10.0.0.1\t10.0.0.1\n';
    const file = await log('marks.log', text);
    expect(await read(file)).toEqual([
      { a: '', c: null, s: null, l: [1, null, 2] },
      { a: '10.0.0.2', c: 5, s: '', l: [] },
    ]);
    const piped = '#separator |\n#set_separator|,\n#fields|ts|note\n#types|time|string\n1.000000|a\\x7cb\n2.000000|plain\n';
    const pipedFile = await log('piped.log', piped);
    expect(await read(pipedFile)).toEqual(codecRecords(piped));
    expect(await rewrite(pipedFile)).toBe(piped);
  });

  it('gives hostile field names their own fields, never code or a prototype', async () => {
    const names = ['__proto__', 'constructor', 'a"b', "'}); throw 1; ({'", 'back\\slash', '0', 'dup', 'dup'];
    const text = header(names, names.map(() => 'count')) + `${names.map((_, i) => i).join('\t')}\n`;
    const [record] = await read(await log('names.log', text));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record as object)).toEqual(['0', '__proto__', 'constructor', 'a"b', "'}); throw 1; ({'", 'back\\slash', 'dup']);
    expect(record).toMatchObject({ constructor: 1, 'a"b': 2, dup: 7 });
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBe(0);
  });

  it('reads lines and UTF-8 characters cut across read chunks', async () => {
    const types = ['time', 'string', 'set[string]', 'addr'];
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 400_000; i++) {
      lines.push([(1e9 + i / 7).toFixed(6), `naïve ☃ ${'x'.repeat(i % 97)} \\xe2\\x98\\x83`, i % 3 === 0 ? '(empty)' : `é${i},b`, i % 2 === 0 ? `10.0.${i % 256}.1` : `2001:db8::${i.toString(16)}`].join('\t'));
    }
    const text = `${header(['ts', 'note', 'tags', 'host'], types)}${lines.join('\n')}\n`;
    const file = await log('chunks.log', text);
    expect(await read(file)).toEqual(codecRecords(text));
    expect(await rewrite(file)).toBe(text);
  });

  it('takes as plain IPv6 only what net.isIPv6 accepts', () => {
    const parts = ['', '0', '1', 'ab', 'fFfF', '12345', ':', 'g', '.', '1.2.3.4'];
    let seed = 7;
    const pick = () => parts[(seed = (seed * 1103515245 + 12345) % 2147483648) % parts.length] as string;
    for (let n = 0; n < 50_000; n++) {
      const address = Array.from({ length: 1 + (n % 10) }, pick).join(':');
      if (isPlainIPv6(address, 0, address.length)) expect([address, isIPv6(address)]).toEqual([address, true]);
    }
    for (const address of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '2001:db8::160a', 'fe80::1:2']) expect(isPlainIPv6(address, 0, address.length)).toBe(true);
  });

  it('reads every TSV fixture log as the codecs do', async (context) => {
    const root = path.join(requireFixtures(context), 'zeek-logs', 'tsv');
    const names = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((name) => /\.(log|tsv)(\.gz)?$/.test(name));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const file = path.join(root, name);
      const bytes = readFileSync(file);
      const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
      expect([name, await read(file)]).toEqual([name, codecRecords(text)]);
    }
  });
});

describe('reading a chunk of lines at a time', () => {
  const text = `${header(['n'], ['count'])}${Array.from({ length: 5000 }, (_, i) => String(i)).join('\n')}\nbad\n7\n`;

  it('hands out the records before a bad line, then its error', async () => {
    const seen: ZeekRecord[] = [];
    const reader = readZeekLog(await log('late-error.log', text));
    const error = await (async () => {
      for await (const record of reader) seen.push(record);
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_ZEEK_LOG', line: 5008 });
    expect([seen.length, reader.stats.records]).toEqual([5000, 5000]);
  });

  it('counts what the consumer reached when it stops early', async () => {
    const reader = readZeekLog(await log('early-stop.log', text), { lenient: true });
    for await (const record of reader) if (record.n === 2) break;
    expect(reader.stats).toEqual({ records: 3, skipped: 0 });
    const all = readZeekLog(await log('lenient.log', text), { lenient: true });
    let last: ZeekRecord | undefined;
    for await (const record of all) last = record;
    expect([last, all.stats]).toEqual([{ n: 7 }, { records: 5001, skipped: 1 }]);
  });
});

describe('telling canonical JSON lines', () => {
  const VALUES = ['0', '-0', '7', '-12', '0.5', '-0.5', '1.50', '1.0', '1e3', '1E-7', '0.000001', '0.0000001', '123456789012345', '1234567890123456', '12345678901234567890', '1521911721.013701', '1521911721.0137010', '0.30000000000000004', '0.3000000000000000444', '1e400', 'true', 'false', 'null', '"plain"', '"a\\"b"', '"back\\\\slash"', '"tab\\t"', '"\\/"', '"\\u00e9"', '"\\u0007"', '"é☃"', '"2024-03-24T17:15:21.000000Z"', '"2024-x"', '[]', '[1,2]', '[1, 2]', '["a",[3]]', '{"x":1}', '{}', ' 1'];
  const KEYS = ['"ts"', '"uid"', '"id.orig_h"', '"1"', '"01"', '"__proto__"', '"ts"', '"a b"', '"\\n"'];

  it('finds a line canonical only when JSON.stringify prints it back', () => {
    let seed = 11;
    const pick = <T>(list: T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length] as T;
    let sure = 0;
    for (let n = 0; n < 20_000; n++) {
      const line = `{${Array.from({ length: 1 + (n % 5) }, () => `${pick(KEYS)}:${pick(VALUES)}`).join(',')}}`;
      const bytes = Buffer.from(line);
      const keys = canonicalKeys(bytes, 0, bytes.length);
      let parsed: object;
      try {
        parsed = JSON.parse(line) as object;
      } catch {
        continue;
      }
      if (keys === -1 || Object.keys(parsed).length !== keys) continue;
      sure++;
      expect([line, JSON.stringify(parsed)]).toEqual([line, line]);
    }
    expect(sure).toBeGreaterThan(1000);
  });

  it('reads a JSON log with odd lines as it writes them back', async () => {
    const lines = ['{"ts":1521911721.0137,"uid":"C1","n":[1,2]}', '{"ts":1.50,"uid":"C2"}', '{"ts":"2024-03-24T17:15:21.5Z","uid":"C3"}', '{"uid":"C4","uid":"C5"}', '{ "ts":1 }', '{"note":"\\u00e9\\/"}'];
    const file = await log('odd.json', `${lines.join('\n')}\n`);
    const out: string[] = [];
    const writer = new ZeekJsonWriter({ write: (chunk: string) => out.push(chunk) });
    const records: ZeekRecord[] = [];
    for await (const entry of readZeekLog(file).entries()) {
      writer.write(entry);
      if (entry.kind === 'record') records.push(entry.record);
    }
    expect(records.map((record) => record.ts)).toEqual([1521911721.0137, 1.5, 1711300521.5, undefined, 1, undefined]);
    expect(records[3]).toEqual({ uid: 'C5' });
    expect(out.join('')).toBe(`${lines.slice(0, 3).join('\n')}\n{"uid":"C5"}\n{"ts":1}\n${lines[5]}\n`);
  });
});
