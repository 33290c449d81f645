import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineChoice, YaraEngine, type EngineOptions } from './yara-engine.ts';
import { sourceMeta } from './yara-x.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-yara-engine-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A rule folder of its own per test; `path` of the scanned sample never exists, so a match proves the bytes were scanned. */
function engine(rules: Record<string, string>, options: Partial<EngineOptions> = {}): YaraEngine {
  const folder = fs.mkdtempSync(path.join(dir, 'rules-'));
  for (const [name, text] of Object.entries(rules)) fs.writeFileSync(path.join(folder, name), text);
  return new YaraEngine({ engine: 'auto', rules: [folder], cacheDir: path.join(dir, 'cache'), ...options });
}
const sample = (text: string) => ({ bytes: Buffer.from(text), path: path.join(dir, 'not-there') });
const rules = (findings: Array<{ rule: string }>) => findings.map((f) => f.rule);

const MARKER = 'rule marker { meta: severity = "high" description = "says \\"run\\" \\x41" strings: $m = "evil-marker" condition: $m }\n';
const EXTERNALS = 'rule lure { meta: severity = "medium" condition: filename == "2065.18" and extension == ".18" and filetype == "EXE" and filepath == "/x/2065.18" and owner == "" }\n';
/** libyara takes a two-letter base64 string, YARA-X does not. */
const LIBYARA_ONLY = 'rule short_base64 { strings: $a = "ab" base64 condition: $a }\n';
const BROKEN = 'rule broken { condition: nosuchthing }\n';

describe('YARA in process', () => {
  it('scans the sample bytes with YARA-X, meta with escapes read from the source', async () => {
    const yara = engine({ 'marker.yar': MARKER });
    expect(await yara.describe()).toBe('yara in-process (YARA-X, @litko/yara-x-linux-x64-gnu)');
    expect(await yara.scan(sample('xx evil-marker xx'), {})).toEqual([{ rule: 'yara.marker', description: 'says "run" A', severity: 'high' }]);
    expect(await yara.scan(sample('nothing here'), {})).toEqual([]);
  });

  it('sets the externals per file, a numeric-looking name staying a string', async () => {
    const yara = engine({ 'externals.yar': EXTERNALS }, { engine: 'inprocess' });
    const externals = { filename: '2065.18', extension: '.18', filetype: 'EXE', filepath: '/x/2065.18', owner: '' };
    expect(rules(await yara.scan(sample('MZ'), externals))).toEqual(['yara.lure']);
    expect(rules(await yara.scan(sample('MZ'), { ...externals, filetype: 'ELF' }))).toEqual([]);
  });

  it('names the file that does not compile, and skips it in skip mode', async () => {
    await expect(engine({ 'bad.yar': BROKEN, 'marker.yar': MARKER }, { engine: 'inprocess' }).compile()).rejects.toThrow(/do not compile .*bad\.yar.*nosuchthing/s);
    const lines: string[] = [];
    const skipping = engine({ 'bad.yar': BROKEN, 'marker.yar': MARKER }, { engine: 'inprocess', skipBroken: true, warn: (line) => lines.push(line) });
    expect(rules(await skipping.scan(sample('evil-marker'), {}))).toEqual(['yara.marker']);
    expect(lines).toEqual([expect.stringMatching(/^yara: skipped .*bad\.yar: .*nosuchthing/)]);
  });
});

describe('YARA engine choice', () => {
  it('uses the CLI when told to, reading the file by its path', async () => {
    const yara = engine({ 'marker.yar': MARKER }, { engine: 'cli' });
    expect(await yara.describe()).toBe('yara CLI (yara)');
    const file = path.join(dir, 'marked');
    fs.writeFileSync(file, 'evil-marker');
    expect(await yara.scan({ bytes: Buffer.alloc(0), path: file }, {})).toEqual([{ rule: 'yara.marker', description: 'says "run" A', severity: 'high' }]);
  });

  it('falls back to the CLI in auto mode when the binding does not load, and fails in inprocess mode', async () => {
    const load = () => new Error('@litko/yara-x does not load: no build for this platform');
    const yara = engine({ 'marker.yar': MARKER }, { load });
    expect(await yara.describe()).toMatch(/^yara CLI \(yara\): .*no build for this platform/);
    const file = path.join(dir, 'marked-too');
    fs.writeFileSync(file, 'evil-marker');
    expect(rules(await yara.scan({ bytes: Buffer.alloc(0), path: file }, {}))).toEqual(['yara.marker']);
    await expect(engine({ 'marker.yar': MARKER }, { load, engine: 'inprocess' }).compile()).rejects.toThrow(/no build/);
  });

  it('falls back to the CLI in auto mode for rules only libyara takes, saying so', async () => {
    const lines: string[] = [];
    const yara = engine({ 'old.yar': LIBYARA_ONLY }, { warn: (line) => lines.push(line) });
    expect(await yara.describe()).toMatch(/^yara CLI \(yara\): YARA-X rejects the rules/);
    expect(lines).toEqual([expect.stringMatching(/^yara: using the yara CLI: YARA-X rejects the rules/)]);
    await expect(engine({ 'old.yar': LIBYARA_ONLY }, { engine: 'inprocess' }).compile()).rejects.toThrow(/do not compile .*old\.yar/s);
    // Neither engine takes it: YARA-X's message is the one given.
    await expect(engine({ 'bad.yar': BROKEN }).compile()).rejects.toThrow(/do not compile .*bad\.yar.*E009/s);
  });

  it('reads SCAN_YARA_ENGINE strictly', () => {
    expect(engineChoice(undefined)).toBe('auto');
    expect(engineChoice('cli')).toBe('cli');
    expect(() => engineChoice('libyara')).toThrow(/auto, inprocess or cli/);
  });

  it('reads string meta from rule source', () => {
    const meta = sourceMeta('rule a : tag { meta: d = "x \\\\ \\"y\\"\\t" n = 3 strings: $a = "q" condition: $a }\nrule b { condition: true }');
    expect([...meta.get('a')!]).toEqual([['d', 'x \\ "y"\t']]);
    expect(meta.has('b')).toBe(false);
  });
});
