import { describe, expect, it } from 'vitest';
import { readCompound, readOle } from './ole.ts';

const END = 0xfffffffe;
const FREE = 0xffffffff;

/** A compound file with one big stream in sector 2: version 4 (4096-byte sectors) or 3, and the stream's FAT entry given. */
function compound(version: 3 | 4, streamNext: number, streamSize: number): Buffer {
  const size = version === 4 ? 4096 : 512;
  const file = Buffer.alloc(size * 4, 0);
  file.write('d0cf11e0a1b11ae1', 0, 'hex');
  file.writeUInt16LE(0x3e, 24);
  file.writeUInt16LE(version, 26);
  file.writeUInt16LE(0xfffe, 28);
  file.writeUInt16LE(version === 4 ? 12 : 9, 30);
  file.writeUInt16LE(6, 32);
  file.writeUInt32LE(1, 44);
  file.writeUInt32LE(1, 48);
  file.writeUInt32LE(4096, 56);
  file.writeUInt32LE(END, 60);
  file.writeUInt32LE(END, 68);
  for (let i = 0; i < 109; i++) file.writeUInt32LE(i === 0 ? 0 : FREE, 76 + i * 4);
  const sector = (n: number) => (n + 1) * size;
  const fat = [0xfffffffd, END, streamNext];
  for (let i = 0; i < size / 4; i++) file.writeUInt32LE(fat[i] ?? FREE, sector(0) + i * 4);
  const entry = (index: number, name: string, type: number, child: number, start: number, length: number) => {
    const at = sector(1) + index * 128;
    file.write(name, at, 'utf16le');
    file.writeUInt16LE((name.length + 1) * 2, at + 64);
    file[at + 66] = type;
    file.writeUInt32LE(FREE, at + 68);
    file.writeUInt32LE(FREE, at + 72);
    file.writeUInt32LE(child, at + 76);
    file.writeUInt32LE(start, at + 116);
    file.writeUInt32LE(length, at + 120);
  };
  entry(0, 'Root Entry', 5, 1, END, 0);
  entry(1, 'Big', 2, FREE, 2, streamSize);
  file.fill(0x41, sector(2), sector(2) + size);
  return file;
}

describe('OLE reader', () => {
  it('reads a version 4 file, whose sectors start after a whole 4096-byte header sector', () => {
    const streams = readOle(compound(4, END, 4096));
    expect(streams.map((s) => s.path)).toEqual(['Big']);
    expect(streams[0]!.data.equals(Buffer.alloc(4096, 0x41))).toBe(true);
  });

  it('ends a FAT chain that loops back on itself and bounds the output', () => {
    const file = compound(3, 2, 0xffffffff);
    const { streams } = readCompound(file);
    expect(streams[0]!.data.length).toBe(512);
    expect(streams[0]!.data.equals(Buffer.alloc(512, 0x41))).toBe(true);
  });
});
