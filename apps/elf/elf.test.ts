import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseElf, elfFindings, parseElf, type ElfInfo } from './elf.ts';

const TRUE = fs.readFileSync('/usr/bin/true');

describe('ELF app', () => {
  it('reads the header, sections, interpreter and imports of a real binary', () => {
    const info = parseElf(TRUE)!;
    expect(info).toMatchObject({ endian: 'little', upx: false });
    expect(info.interpreter).toMatch(/ld-linux/);
    expect(info.sections).toContain('.text');
    expect(info.imports.length).toBeGreaterThan(5);
    expect(info.libraries).toContain('libc.so.6');
    expect(elfFindings(info)).toEqual([]);
  });

  it('flags UPX, missing section headers, an odd interpreter and a reverse-shell import set', () => {
    const packed = Buffer.concat([TRUE, Buffer.from('UPX!')]);
    // e_shnum = 0: section headers gone.
    const noSections = Buffer.from(packed);
    noSections.writeUInt16LE(0, noSections[4] === 2 ? 60 : 48);
    const info = parseElf(noSections)!;
    expect(analyseElf(noSections, info).findings.map((f) => f.rule).filter((r) => r !== 'elf.score')).toEqual(['elf.packer.upx', 'elf.no-section-headers']);
    const shell: ElfInfo = { ...info, sections: ['.text'], upx: false, interpreter: '/tmp/.x/ld.so', imports: ['socket', 'connect', 'dup2', 'execve', 'htons'] };
    expect(elfFindings(shell).map((f) => f.rule)).toEqual(['elf.unusual-interpreter', 'elf.imports.reverse-shell']);
    // Large programs (ssh) combine the same calls for good reasons.
    expect(elfFindings({ ...shell, interpreter: null, imports: [...shell.imports, ...Array.from({ length: 80 }, (_, i) => `f${i}`)] })).toEqual([]);
  });

  it('rejects non-ELF and survives truncation', () => {
    expect(parseElf(Buffer.from('MZ'))).toBeUndefined();
    for (const size of [52, 64, 200, 1000]) expect(() => parseElf(TRUE.subarray(0, size))).not.toThrow();
  });
});
