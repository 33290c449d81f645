/**
 * The standard security handler with the empty user password. A PDF that
 * opens without asking for a password is encrypted only against scanners —
 * droppers use it to hide their JavaScript — so when the empty password
 * works, strings and streams are decrypted before anything is judged.
 * Covers RC4 and AES-128 (revisions 2-4) and AES-256 (revisions 5 and 6).
 */
import crypto from 'node:crypto';
import { stringBytes, tokenEnd, valueOf } from './values.ts';

const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

export type Decrypt = (data: Buffer, objectNumber: number, generation: number) => Buffer;

function md5(...parts: Buffer[]): Buffer {
  const hash = crypto.createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function rc4(key: Buffer, data: Buffer): Buffer {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.allocUnsafe(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

function aesDecrypt(key: Buffer, data: Buffer, iv?: Buffer): Buffer {
  const vector = iv ?? data.subarray(0, 16);
  const body = iv ? data : data.subarray(16);
  // A hostile /Length can make a key AES does not take: such data reads as nothing.
  if ((key.length !== 16 && key.length !== 32) || vector.length < 16 || body.length === 0 || body.length % 16 !== 0) return Buffer.alloc(0);
  const decipher = crypto.createDecipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, vector);
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(body), decipher.final()]);
  if (iv) return plain;
  // PKCS#7 padding, when it is well formed: writers are not all careful.
  const pad = plain.at(-1) ?? 0;
  return pad >= 1 && pad <= 16 ? plain.subarray(0, plain.length - pad) : plain;
}

/** Revision 6's hash (ISO 32000-2, 7.6.4.3.4) for the empty password. */
function hashR6(salt: Buffer, userKey: Buffer = Buffer.alloc(0)): Buffer {
  let k = crypto.createHash('sha256').update(salt).update(userKey).digest();
  for (let round = 0; round < 64 + 256; round++) {
    const k1 = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([k, userKey])));
    const e = aesDecryptEncrypt(k.subarray(0, 16), k.subarray(16, 32), k1);
    const sum = e.subarray(0, 16).reduce((a, b) => a + b, 0) % 3;
    k = crypto.createHash(['sha256', 'sha384', 'sha512'][sum]!).update(e).digest();
    if (round >= 63 && e.at(-1)! <= round - 31) break;
  }
  return k.subarray(0, 32);
}

function aesDecryptEncrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-128-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function bytesOf(dict: string, key: string): Buffer {
  const token = valueOf(dict, key);
  const bytes = token === undefined ? null : stringBytes(token);
  return Buffer.from(bytes ?? '', 'latin1');
}

/**
 * The decryptor for the empty user password, or null when the file needs a
 * real password (or uses a handler this does not know).
 */
export function emptyPasswordDecryptor(encrypt: string, firstId: Buffer): Decrypt | null {
  if (!/\/Filter\s*\/Standard\b/.test(encrypt)) return null;
  const r = Number(valueOf(encrypt, 'R') ?? 0);
  const v = Number(valueOf(encrypt, 'V') ?? 0);
  const o = bytesOf(encrypt, 'O');
  const u = bytesOf(encrypt, 'U');
  const method = /\/CFM\s*\/(AESV2|AESV3|V2|None)/.exec(encrypt)?.[1] ?? (v >= 4 ? 'V2' : 'V2');
  if (r >= 5) {
    if (u.length < 48) return null;
    const check = r === 5 ? crypto.createHash('sha256').update(u.subarray(32, 40)).digest() : hashR6(u.subarray(32, 40));
    if (!check.equals(u.subarray(0, 32))) return null;
    const keyKey = r === 5 ? crypto.createHash('sha256').update(u.subarray(40, 48)).digest() : hashR6(u.subarray(40, 48));
    const ue = bytesOf(encrypt, 'UE');
    if (ue.length < 32) return null;
    const key = aesDecrypt(keyKey, ue.subarray(0, 32), Buffer.alloc(16));
    return (data) => aesDecrypt(key, data);
  }
  const length = r === 2 ? 5 : Math.min(16, Math.max(5, Number(valueOf(encrypt, 'Length') ?? 40) / 8));
  const p = Buffer.alloc(4);
  p.writeInt32LE(Number(valueOf(encrypt, 'P') ?? 0) | 0);
  const noMetadata = r >= 4 && /\/EncryptMetadata\s+false/.test(encrypt) ? Buffer.from([0xff, 0xff, 0xff, 0xff]) : Buffer.alloc(0);
  let key = md5(PAD, o.subarray(0, 32), p, firstId, noMetadata).subarray(0, length);
  if (r >= 3) for (let i = 0; i < 50; i++) key = md5(key).subarray(0, length);
  let check: Buffer;
  if (r === 2) check = rc4(key, PAD);
  else {
    check = rc4(key, md5(PAD, firstId));
    for (let i = 1; i <= 19; i++) check = rc4(Buffer.from(key.map((b) => b ^ i)), check);
  }
  if (!check.subarray(0, 16).equals(u.subarray(0, 16))) return null;
  const aes = method === 'AESV2';
  return (data, objectNumber, generation) => {
    const salt = Buffer.from([objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, generation & 0xff, (generation >> 8) & 0xff]);
    const objectKey = md5(key, salt, aes ? Buffer.from('sAlT', 'latin1') : Buffer.alloc(0)).subarray(0, Math.min(16, length + 5));
    return aes ? aesDecrypt(objectKey, data) : rc4(objectKey, data);
  };
}

/** The dictionary text with every string decrypted and rewritten as a hex string. */
export function decryptStrings(dict: string, decrypt: (data: Buffer) => Buffer): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < dict.length; i++) {
    const c = dict[i];
    if (c !== '(' && !(c === '<' && dict[i + 1] !== '<')) {
      if (c === '<') i++;
      continue;
    }
    const end = tokenEnd(dict, i);
    const bytes = stringBytes(dict.slice(i, end));
    if (bytes === null) continue;
    out += `${dict.slice(last, i)}<${decrypt(Buffer.from(bytes, 'latin1')).toString('hex')}>`;
    last = end;
    i = end - 1;
  }
  return out + dict.slice(last);
}
