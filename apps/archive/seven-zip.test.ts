import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sevenZipProgram } from './seven-zip.ts';

const head = (bytes: number[] | string, at = 0) => {
  const buffer = Buffer.alloc(0x9000);
  (typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes)).copy(buffer, at);
  return buffer;
};

describe('sevenZipProgram', () => {
  it('takes SEVEN_ZIP for every archive when it is set', () => {
    expect(sevenZipProgram({ SEVEN_ZIP: '/opt/7zz' }, head('Rar!\x1a\x07\x00'))).toBe('/opt/7zz');
    expect(sevenZipProgram({ SEVEN_ZIP: '/opt/7zz' }, head([0x1f, 0x8b, 8]))).toBe('/opt/7zz');
  });

  it("starts p7zip's 7za for the formats it has built in and its 7z for the others", () => {
    // This machine has Debian's p7zip-full (scripts/system-deps.sh); without it both would be `7z`.
    expect(fs.existsSync('/usr/lib/p7zip/7za')).toBe(true);
    for (const common of [head('PK\x03\x04'), head([0x1f, 0x8b, 8]), head('7z\xbc\xaf\x27\x1c'), head('BZh91'), head([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), head('MSCF\0\0\0\0'), head('ustar', 257)]) {
      expect(sevenZipProgram({}, common)).toBe('/usr/lib/p7zip/7za');
    }
    for (const other of [head('Rar!\x1a\x07\x00'), head([0x60, 0xea, 0x20, 0]), head('CD001', 0x8001)]) expect(sevenZipProgram({}, other)).toBe('/usr/lib/p7zip/7z');
  });
});
