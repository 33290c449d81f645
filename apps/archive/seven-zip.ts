/**
 * Which 7-Zip program opens an archive. Debian's `7z` is a shell script that
 * execs /usr/lib/p7zip/7z, which then loads 7z.so with every codec it has:
 * starting it (the shell, the dynamic linking of 7z.so) was half of 7z's CPU
 * on a mixed corpus. `7za`, from the same source and package, has the common
 * formats built in; listing and unpacking agree with `7z` on those formats
 * byte for byte (checked on every such archive of the corpus and fixtures).
 * SEVEN_ZIP, when set, is used for every archive.
 */
import fs from 'node:fs';

const P7ZIP = '/usr/lib/p7zip';

/**
 * The containers 7-Zip unpacks, by their first bytes (offset, magic), and
 * whether `7za` has the format built in. ARJ's two magic bytes are too few
 * alone: isArj checks its header size as well.
 */
const CONTAINERS: Array<[number, Buffer, boolean]> = [
  [0, Buffer.from('PK\x03\x04', 'latin1'), true],
  [0, Buffer.from('PK\x05\x06', 'latin1'), true],
  [0, Buffer.from([0x1f, 0x8b]), true],
  [0, Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'), true],
  [0, Buffer.from('BZh'), true],
  [0, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), true],
  [0, Buffer.from('MSCF\0\0\0\0', 'latin1'), true],
  [257, Buffer.from('ustar'), true],
  [0, Buffer.from('Rar!\x1a\x07', 'latin1'), false],
  [0x8001, Buffer.from('CD001'), false],
  [0x8801, Buffer.from('CD001'), false],
];

const isArj = (bytes: Buffer) => bytes.length > 4 && bytes[0] === 0x60 && bytes[1] === 0xea && bytes.readUInt16LE(2) > 0 && bytes.readUInt16LE(2) <= 2600;

/** The container table's row for these first bytes. */
const containerOf = (head: Buffer) => CONTAINERS.find(([at, magic]) => head.subarray(at, at + magic.length).equals(magic));

/** Whether 7-Zip unpacks this file, by its first bytes. */
export function isSevenZipContainer(head: Buffer): boolean {
  return containerOf(head) !== undefined || isArj(head);
}

let programs: { full: string; common: string } | undefined;

/** p7zip's programs themselves where they are (Debian, Ubuntu), else `7z` from PATH for both. */
function installed(): { full: string; common: string } {
  const runnable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const full = runnable(`${P7ZIP}/7z`) ? `${P7ZIP}/7z` : '7z';
  return { full, common: full !== '7z' && runnable(`${P7ZIP}/7za`) ? `${P7ZIP}/7za` : full };
}

export function sevenZipProgram(env: NodeJS.ProcessEnv, head: Buffer): string {
  if (env.SEVEN_ZIP) return env.SEVEN_ZIP;
  programs ??= installed();
  return containerOf(head)?.[2] === true ? programs.common : programs.full;
}
