import { describe, expect, it } from 'vitest';
import type { Sample } from '../lib/analyzer.ts';
import { zipOf } from '../../source/demo/samples.ts';
import { apkAnalyzer } from './apk.ts';
import { axmlStrings, dexStrings } from './strings.ts';

/** Binary XML holding only a UTF-16 string pool: all the analyzer reads of a manifest. */
function axml(strings: string[]): Buffer {
  const data = Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([s.length, 0]), Buffer.from(`${s}\0`, 'utf16le')])));
  const offsets = Buffer.alloc(strings.length * 4);
  let at = 0;
  strings.forEach((s, i) => {
    offsets.writeUInt32LE(at, i * 4);
    at += 2 + (s.length + 1) * 2;
  });
  const header = Buffer.alloc(28);
  header.writeUInt16LE(0x0001, 0);
  header.writeUInt16LE(28, 2);
  header.writeUInt32LE(28 + offsets.length + data.length, 4);
  header.writeUInt32LE(strings.length, 8);
  header.writeUInt32LE(28 + offsets.length, 20);
  const file = Buffer.alloc(8);
  file.writeUInt16LE(0x0003, 0);
  file.writeUInt16LE(8, 2);
  file.writeUInt32LE(8 + header.length + offsets.length + data.length, 4);
  return Buffer.concat([file, header, offsets, data]);
}

/** A DEX header whose string table lists `strings`. */
function dex(strings: string[]): Buffer {
  const header = Buffer.alloc(0x70);
  header.write('dex\n035\0', 0, 'latin1');
  header.writeUInt32LE(strings.length, 0x38);
  header.writeUInt32LE(0x70, 0x3c);
  const ids = Buffer.alloc(strings.length * 4);
  const items: Buffer[] = [];
  let at = 0x70 + ids.length;
  strings.forEach((s, i) => {
    ids.writeUInt32LE(at, i * 4);
    const item = Buffer.concat([Buffer.from([s.length]), Buffer.from(`${s}\0`, 'utf8')]);
    items.push(item);
    at += item.length;
  });
  return Buffer.concat([header, ids, ...items]);
}

const apk = (permissions: string[], code: string[]) =>
  zipOf([
    ['AndroidManifest.xml', axml(['manifest', 'com.example.app', 'uses-permission', ...permissions.map((p) => `android.permission.${p}`)])],
    ['classes.dex', dex(code)],
  ]);
const sample = (bytes: Buffer): Sample => ({ bytes, size: bytes.length, truncated: false, path: 'x.apk', name: 'x.apk', mime: 'application/zip', realMime: 'application/zip', hashes: { md5: '', sha1: '', sha256: '' } });
const score = async (bytes: Buffer) => (await apkAnalyzer.analyse(sample(bytes))).findings.find((f) => f.rule === 'apk.score');

describe('APK app', () => {
  it('reads manifest and dex string tables', () => {
    expect(axmlStrings(axml(['a', 'android.permission.SEND_SMS']))).toEqual(['a', 'android.permission.SEND_SMS']);
    expect(dexStrings(dex(['Landroid/telephony/SmsManager;', 'sendTextMessage']))).toEqual(['Landroid/telephony/SmsManager;', 'sendTextMessage']);
    expect(axmlStrings(Buffer.from('not xml at all, just text'))).toEqual([]);
    expect(() => dexStrings(dex(['x']).subarray(0, 0x74))).not.toThrow();
  });

  it('accepts zips holding a manifest and classes.dex only', () => {
    expect(apkAnalyzer.accepts(sample(apk([], [])))).toBe(true);
    expect(apkAnalyzer.accepts(sample(zipOf([['AndroidManifest.xml', 'x']])))).toBe(false);
  });

  it('an overlay screen locker that starts at boot and runs shell commands is suspicious', async () => {
    const locker = apk(['SYSTEM_ALERT_WINDOW', 'RECEIVE_BOOT_COMPLETED'], ['Landroid/app/Service;', 'Landroid/view/WindowManager;', 'addView', 'Ljava/lang/Runtime;', 'exec']);
    expect(await score(locker)).toMatchObject({ severity: 'medium' });
  });

  it('an SMS sender that loads code at run time and asks for root is malicious', async () => {
    const trojan = apk(['SEND_SMS', 'INTERNET'], ['Landroid/telephony/SmsManager;', 'sendTextMessage', 'Ldalvik/system/DexClassLoader;', 'su']);
    expect(await score(trojan)).toMatchObject({ severity: 'high' });
  });

  it('an ordinary app with network and boot permissions stays clean', async () => {
    expect((await score(apk(['INTERNET', 'RECEIVE_BOOT_COMPLETED', 'SYSTEM_ALERT_WINDOW'], ['Landroid/app/Activity;', 'onCreate'])))?.severity ?? 'low').toBe('low');
  });
});
