/** PE32 files built from scratch for tests and the detection table: headers, named sections and an import table. */

export interface PeSpec {
  /** Section names; the last one holds the import table. */
  sections?: string[];
  /** DLL → function names. */
  imports?: Record<string, string[]>;
  timestamp?: number;
  /** Bytes after the code of the first section, e.g. strings or random bytes for a packed look. */
  code?: Buffer;
}

const ALIGN = 0x200;
/** Stands in for compiled code: a return, then bytes as varied as machine code (entropy 6), so no test file looks blank. */
const CODE = Buffer.from([0xc3, ...Array.from({ length: ALIGN - 1 }, (_, i) => (i * 7) % 64)]);
const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((ALIGN - (b.length % ALIGN)) % ALIGN)]);

export function buildPe(spec: PeSpec = {}): Buffer {
  const names = spec.sections ?? ['.text', '.idata'];
  const code = pad(Buffer.concat([CODE, spec.code ?? Buffer.alloc(0)]));
  // Every section but the import table holds `code`; each gets whole 4 KiB pages of address space.
  const span = Math.ceil(code.length / 0x1000) * 0x1000;
  const rva = (i: number) => 0x1000 + i * span;
  const idataRva = rva(names.length - 1);
  // Import table: descriptors, then per DLL its lookup table, hint/name entries and name.
  const dlls = Object.entries(spec.imports ?? { 'kernel32.dll': ['ExitProcess'] });
  const idata = Buffer.alloc(0x1000);
  let cursor = (dlls.length + 1) * 20;
  dlls.forEach(([dll, functions], d) => {
    const lookup = cursor;
    cursor += (functions.length + 1) * 4;
    functions.forEach((fn, f) => {
      idata.writeUInt32LE(idataRva + cursor, lookup + f * 4);
      idata.write(`\0\0${fn}\0`, cursor, 'latin1');
      cursor += fn.length + 3 + ((fn.length + 3) % 2);
    });
    idata.write(`${dll}\0`, cursor, 'latin1');
    idata.writeUInt32LE(idataRva + lookup, d * 20);
    idata.writeUInt32LE(idataRva + cursor, d * 20 + 12);
    idata.writeUInt32LE(idataRva + lookup, d * 20 + 16);
    cursor += dll.length + 1;
  });
  const bodies = names.map((_, i) => (i === names.length - 1 ? pad(idata.subarray(0, cursor)) : code));
  const headers = Buffer.alloc(0x400);
  headers.write('MZ', 0, 'latin1');
  headers.writeUInt32LE(0x80, 0x3c);
  headers.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  const pe = 0x80;
  headers.write('PE\0\0', pe, 'latin1');
  headers.writeUInt16LE(0x14c, pe + 4);
  headers.writeUInt16LE(names.length, pe + 6);
  headers.writeUInt32LE(spec.timestamp ?? 1_600_000_000, pe + 8);
  headers.writeUInt16LE(0xe0, pe + 20);
  headers.writeUInt16LE(0x0102, pe + 22);
  const opt = pe + 24;
  headers.writeUInt16LE(0x10b, opt);
  headers.writeUInt32LE(rva(0), opt + 16);
  headers.writeUInt32LE(0x400000, opt + 28);
  headers.writeUInt32LE(0x1000, opt + 32);
  headers.writeUInt32LE(ALIGN, opt + 36);
  headers.writeUInt32LE(rva(names.length), opt + 56);
  headers.writeUInt32LE(0x400, opt + 60);
  headers.writeUInt16LE(2, opt + 68);
  headers.writeUInt32LE(16, opt + 92);
  headers.writeUInt32LE(idataRva, opt + 96 + 8);
  headers.writeUInt32LE(cursor, opt + 96 + 12);
  let raw = 0x400;
  names.forEach((name, i) => {
    const at = opt + 0xe0 + i * 40;
    headers.write(name.slice(0, 8), at, 'latin1');
    headers.writeUInt32LE(span, at + 8);
    headers.writeUInt32LE(rva(i), at + 12);
    headers.writeUInt32LE(bodies[i]!.length, at + 16);
    headers.writeUInt32LE(raw, at + 20);
    headers.writeUInt32LE(i === 0 ? 0x60000020 : 0xc0000040, at + 36);
    raw += bodies[i]!.length;
  });
  return Buffer.concat([headers, ...bodies]);
}
