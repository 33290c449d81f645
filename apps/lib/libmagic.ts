/**
 * libmagic in this thread: the very library and compiled database that the
 * `file` command loads (libmagic1, which the `file` package depends on), so its
 * names are `file --mime-type`'s without a process per file. Bound through
 * koffi, whose prebuilt binary comes from the npm registry: nothing is compiled
 * at install. Each thread opens its own handle (a handle is not shared between
 * threads); the database is mapped once per handle, ~10 ms the first time.
 */
import koffi from 'koffi';
import { elfHeader, programHeader } from './elf-header.ts';
import { tool } from './tools.ts';

/** libmagic's MAGIC_MIME_TYPE: what `file --mime-type` sets, and nothing else. */
const MAGIC_MIME_TYPE = 0x10;

type MagicBuffer = (cookie: unknown, buffer: Buffer, length: number) => string | null;

let handle: { cookie: unknown; magicBuffer: MagicBuffer } | null | undefined;

function open(): { cookie: unknown; magicBuffer: MagicBuffer } | null {
  try {
    const lib = koffi.load('libmagic.so.1');
    const magicOpen = lib.func('void *magic_open(int flags)');
    const magicLoad = lib.func('int magic_load(void *cookie, const char *file)');
    const magicBuffer = lib.func('const char *magic_buffer(void *cookie, const void *buffer, size_t length)') as MagicBuffer;
    const cookie: unknown = magicOpen(MAGIC_MIME_TYPE);
    // A null file is libmagic's default search path ($MAGIC, then /etc/magic and the packaged database), as for `file`.
    if (cookie === null || magicLoad(cookie, null) !== 0) return null;
    return { cookie, magicBuffer };
  } catch {
    // No libmagic.so.1 or no koffi build for this platform: the caller asks `file` instead.
    return null;
  }
}

/**
 * libmagic's MIME type of a buffer, or undefined when libmagic cannot be had
 * here or failed on it. libmagic bounds its own work (bytes, regex, recursion
 * and ELF limits), so a 1 MiB head takes at most ~100 ms.
 */
export function magicMimeOf(head: Buffer): string | undefined {
  if (handle === undefined) handle = open();
  return handle?.magicBuffer(handle.cookie, head, head.length) ?? undefined;
}

const MIME = /^[a-z0-9][\w.+-]*\/[\w.+-]+$/;

/**
 * The real MIME type by libmagic, as Zeek's own signatures name types, from
 * the head alone: the path is never opened. libmagic runs in this thread, on
 * the whole head (`file` reading Node's stdin, a socket, judged only what one
 * read returned: an OLE2 file past it was x-ole-storage, not msword). `file` is
 * still asked (head on stdin, 10 s at most) where libmagic cannot be loaded.
 * On a buffer libmagic skips its ELF parse, which alone tells a PIE executable
 * from a shared library: elfDynamicKind reads what that parse reads.
 */
export async function realMimeOf(head: Buffer): Promise<string> {
  const input = head.subarray(0, 1 << 20);
  const inProcess = magicMimeOf(input)?.toLowerCase();
  if (inProcess === 'application/x-sharedlib') {
    const pie = elfDynamicKind(input);
    if (pie !== undefined) return pie;
  } else if (inProcess !== undefined) return MIME.test(inProcess) ? inProcess : 'application/octet-stream';
  const result = await tool('file', ['--brief', '--mime-type', '-'], { input, timeoutMs: 10_000 });
  const mime = result.stdout.trim().toLowerCase();
  return result.code === 0 && MIME.test(mime) ? mime : 'application/octet-stream';
}

const DT_FLAGS_1 = 0x6ffffffb;
const DF_1_PIE = 0x08000000;
const PT_DYNAMIC = 2;
const MAX_DYNAMIC_ENTRIES = 1 << 16;

/**
 * What `file --mime-type` calls an ELF shared object (ET_DYN) from its head:
 * a PIE executable when its dynamic segment's last DT_FLAGS_1 has DF_1_PIE,
 * else a shared library (checked against `file` on 1,999 ET_DYN files of the
 * corpus, the fixtures and Debian's /usr). Undefined when its program headers
 * do not read plainly: `file` decides those. A process per shared object cost
 * more than its analysis.
 */
export function elfDynamicKind(head: Buffer): string | undefined {
  const header = head.length >= 64 && [1, 2].includes(head[4]!) && [1, 2].includes(head[5]!) ? elfHeader(head) : undefined;
  if (header === undefined || header.type !== 3) return undefined;
  const { bits, phoff, phentsize, phnum, addr } = header;
  if (phentsize !== (bits === 64 ? 56 : 32) || phoff + phnum * phentsize > head.length) return undefined;
  const entry = bits === 64 ? 16 : 8;
  let pie = false;
  // A hostile file repeats one huge dynamic segment in every header: past this many entries, `file` and its own limits decide.
  let budget = MAX_DYNAMIC_ENTRIES;
  for (let i = 0; i < phnum; i++) {
    const segment = programHeader(header, phoff + i * phentsize);
    if (segment.type !== PT_DYNAMIC) continue;
    const end = Math.min(segment.offset + segment.fileSize, head.length);
    for (let d = segment.offset; d + entry <= end; d += entry) {
      if (--budget < 0) return undefined;
      if (addr(d) === DT_FLAGS_1) pie = (addr(d + entry / 2) & DF_1_PIE) !== 0;
    }
  }
  return pie ? 'application/x-pie-executable' : 'application/x-sharedlib';
}
