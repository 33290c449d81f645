import { copyFile, mkdtemp, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BroaptError } from '../source/errors.ts';
import { makeEntry } from '../source/entry/make-entry.ts';
import { parseName, type ParsedName } from '../source/entry/naming.ts';
import { sniffMime } from '../source/entry/sniff.ts';
import { requireFixtures } from './helpers/fixtures.ts';

interface Expected {
  scheme: ParsedName['scheme'];
  fuid: string;
  protocol: string | null;
  pcap: string | null;
  /** `media/subtype` as the name spells it, before lower-casing. */
  mime: string | null;
  extension: string | null;
}

const broapt = (
  protocol: string,
  fuid: string,
  pcap: string | null,
  mime: string,
  extension: string | null,
): Expected => ({ scheme: 'broapt', fuid, protocol, pcap, mime, extension });

const zeek = (protocol: string, fuid: string): Expected => ({
  scheme: 'zeek',
  fuid,
  protocol,
  pcap: null,
  mime: null,
  extension: null,
});

const FUID = 'F3Df5B3z9UI3yi5J03';
/** What the reference puts in the PCAP slot: `<pcap stem>-<uuid4>`. */
const PCAP_RUN = 'test-0f8fad5b-d9cb-469f-a165-70867728950e';
const LONG_PCAP = 'x'.repeat(255 - `HTTP-${FUID}.`.length - '.application.pdf.pdf'.length);

const accepted: [name: string, expected: Expected][] = [
  // The case the reference regex gets wrong (it reads media `office.application.vnd`).
  ['HTTP-FabcDEF123.day1.office.application.vnd.ms-excel.xls', broapt('HTTP', 'FabcDEF123', 'day1.office', 'application/vnd.ms-excel', 'xls')],
  // JarryShaw/broapt docs/sphinx/source/framework.app.rst: the documented Entry example (basename of its path).
  [`HTTP-${FUID}.application.msword.docx`, broapt('HTTP', FUID, null, 'application/msword', 'docx')],
  // JarryShaw/broapt source/core/README.md template `${PROTOCOL}-${FILE_UID}.${CONTENT_TYPE}.${SUBTYPE}.${FILE_EXT}`,
  // filled with the text/plain -> txt pair from source/core/source/scripts/file-extensions.bro.
  ['SMTP-FAGlA733M0RvJJmpy4.text.plain.txt', broapt('SMTP', 'FAGlA733M0RvJJmpy4', null, 'text/plain', 'txt')],
  // JarryShaw/broapt source/client/python/process.py sets BROAPT_PCAP to `<stem>-<uuid4>` and rename_dump()
  // inserts the MIME; source/client/scripts/main.bro builds `SOURCE-FUID.PCAP.EXT`.
  [`HTTP-${FUID}.${PCAP_RUN}.application.pdf.pdf`, broapt('HTTP', FUID, PCAP_RUN, 'application/pdf', 'pdf')],
  // Same, for a PCAP file named 2019.07.01.pcap: its stem keeps two dots.
  [`HTTP-${FUID}.2019.07.01-${PCAP_RUN.slice(5)}.image.jpeg.jpg`, broapt('HTTP', FUID, `2019.07.01-${PCAP_RUN.slice(5)}`, 'image/jpeg', 'jpg')],
  // source/client/scripts/main.bro: PCAP is `unknown` when BROAPT_PCAP is unset; x-dosexec -> exe from file-extensions.bro.
  [`FTP_DATA-${FUID}.unknown.application.x-dosexec.exe`, broapt('FTP_DATA', FUID, 'unknown', 'application/x-dosexec', 'exe')],
  // file-extensions.bro maps application/x-executable to "", so the name ends in a dot.
  [`HTTP-${FUID}.unknown.application.x-executable.`, broapt('HTTP', FUID, 'unknown', 'application/x-executable', null)],
  // file-extensions.bro's misspelt media types (`audo/m4a`, `vidoe/x-sgi-movie`) exercise the unknown-media fallback.
  [`HTTP-${FUID}.audo.m4a.mp4`, broapt('HTTP', FUID, null, 'audo/m4a', 'mp4')],
  [`HTTP-${FUID}.day1.office.vidoe.x-sgi-movie.sgi`, broapt('HTTP', FUID, 'day1.office', 'vidoe/x-sgi-movie', 'sgi')],
  // Long dotted subtypes, from file-extensions.bro.
  [
    `HTTP-${FUID}.day1.office.application.vnd.openxmlformats-officedocument.spreadsheetml.sheet.xlsx`,
    broapt('HTTP', FUID, 'day1.office', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'),
  ],
  [
    `SMTP-${FUID}.application.vnd.openxmlformats-officedocument.presentationml.presentation.pptx`,
    broapt('SMTP', FUID, null, 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx'),
  ],
  // A subtype ending in a media-type word must not be taken for the media type.
  [`HTTP-${FUID}.cap.application.vnd.oasis.opendocument.text.odt`, broapt('HTTP', FUID, 'cap', 'application/vnd.oasis.opendocument.text', 'odt')],
  // A PCAP name made of media-type words.
  [`HTTP-${FUID}.text.video.image.png.png`, broapt('HTTP', FUID, 'text.video', 'image/png', 'png')],
  [`HTTP-${FUID}.cap.image.svg+xml.svg`, broapt('HTTP', FUID, 'cap', 'image/svg+xml', 'svg')],
  // x- top-level type; and an x- subtype with a dot, where the registered type must win.
  [`HTTP-${FUID}.cap.x-world.x-vrml.wrl`, broapt('HTTP', FUID, 'cap', 'x-world/x-vrml', 'wrl')],
  [`HTTP-${FUID}.cap.application.x-foo.bar.dat`, broapt('HTTP', FUID, 'cap', 'application/x-foo.bar', 'dat')],
  // Upper and mixed case: MIME is lower-cased, the rest is kept as written.
  ['SMTP-FABC123XYZ.CAPTURE.APPLICATION.PDF.PDF', broapt('SMTP', 'FABC123XYZ', 'CAPTURE', 'application/pdf', 'PDF')],
  [`Http-${FUID}.Day1.Image.JPEG.jpg`, broapt('Http', FUID, 'Day1', 'image/jpeg', 'jpg')],
  // Every protocol the reference regex names (DTLS|FTP_DATA|HTTP|IRC_DATA|SMTP), plus any other token.
  [`DTLS-${FUID}.cap.application.pkcs7-signature.p7`, broapt('DTLS', FUID, 'cap', 'application/pkcs7-signature', 'p7')],
  [`IRC_DATA-${FUID}.cap.application.zip.zip`, broapt('IRC_DATA', FUID, 'cap', 'application/zip', 'zip')],
  [`SMB-${FUID}.cap.message.rfc822.eml`, broapt('SMB', FUID, 'cap', 'message/rfc822', 'eml')],
  // Hostile but valid: the PCAP part is free text.
  [`HTTP-${FUID}.my capture (1).application.pdf.pdf`, broapt('HTTP', FUID, 'my capture (1)', 'application/pdf', 'pdf')],
  [`HTTP-${FUID}.$(touch pwned).text.html.html`, broapt('HTTP', FUID, '$(touch pwned)', 'text/html', 'html')],
  [`HTTP-${FUID}.it's "day1"; rm -rf ~.text.plain.txt`, broapt('HTTP', FUID, `it's "day1"; rm -rf ~`, 'text/plain', 'txt')],
  [`HTTP-${FUID}.${LONG_PCAP}.application.pdf.pdf`, broapt('HTTP', FUID, LONG_PCAP, 'application/pdf', 'pdf')],
  // Zeek default extract names, as in ../shared/fixtures/extracted/bro-2.5-infectedpcap/.
  ['extract-1268758238.345221-HTTP-FAGlA733M0RvJJmpy4', zeek('HTTP', 'FAGlA733M0RvJJmpy4')],
  ['extract-1268758221.744665-SSL-FOXSw43hGklBYILWHh', zeek('SSL', 'FOXSw43hGklBYILWHh')],
  [`extract-1343138574.435137-FTP_DATA-${FUID}`, zeek('FTP_DATA', FUID)],
  [`extract-1343138574-SMTP-${FUID}`, zeek('SMTP', FUID)],
];

const rejected: [name: string, why: string][] = [
  ['HTTP.application.pdf.pdf', 'no fuid'],
  ['application.pdf.pdf', 'no protocol or fuid'],
  ['HTTP-Xabc.application.pdf.pdf', 'fuid not starting with F'],
  ['http-fabc.application.pdf.pdf', 'lower-case f: Zeek never writes it'],
  ['-Fabc.application.pdf.pdf', 'empty protocol'],
  ['HT TP-Fabc.application.pdf.pdf', 'whitespace in protocol'],
  ['HTTP-Fabc-1.application.pdf.pdf', 'fuid followed by something other than a dot'],
  ['HTTP-Fabc.application.pdf', 'too few dots'],
  // JarryShaw/broapt source/core/README.md: in MIME mode the basename is `${PROTOCOL}-${FILE_UID}.${FILE_EXT}`.
  [`HTTP-${FUID}.pdf`, 'too few dots (MIME-mode basename)'],
  [`HTTP-${FUID}.cap.application..pdf`, 'empty subtype'],
  [`HTTP-${FUID}.cap.application.p df.pdf`, 'whitespace in subtype'],
  [`HTTP-${FUID}.cap.application.pdf.p df`, 'whitespace in extension'],
  [`HTTP-${FUID}.day\n1.application.pdf.pdf`, 'newline'],
  [`HTTP-${FUID}.day\u00001.application.pdf.pdf`, 'NUL'],
  [`HTTP-${FUID}.a/b.application.pdf.pdf`, 'a path, not a basename'],
  ['extract_files.1', 'Zeek custom name (btest ftp-retr-extract-limit)'],
  ['extract-notatime-HTTP-Fabc', 'timestamp not numeric'],
  ['extract-1268758238.345221-HTTP-abc', 'Zeek name without fuid'],
  ['extract-1268758238.345221-HTTP-Fabc.pdf', 'Zeek default names have no extension'],
  ['test.pdf', 'plain file name'],
  ['', 'empty'],
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'broapt-naming-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('parseName', () => {
  it('has a long enough table, including a 255-byte name', () => {
    expect(accepted.length + rejected.length).toBeGreaterThanOrEqual(25);
    expect(Buffer.byteLength(`HTTP-${FUID}.${LONG_PCAP}.application.pdf.pdf`)).toBe(255);
  });

  it.each(accepted)('parses %j', (name, expected) => {
    const slash = expected.mime?.indexOf('/') ?? -1;
    const mime =
      expected.mime === null
        ? null
        : {
            mediaType: expected.mime.slice(0, slash).toLowerCase(),
            subtype: expected.mime.slice(slash + 1).toLowerCase(),
            name: expected.mime.toLowerCase(),
          };
    expect(parseName(name)).toEqual({ ...expected, mime });
  });

  it.each(rejected)('rejects %j (%s)', (name) => {
    expect(parseName(name)).toBeNull();
  });

  it('never throws and keeps its promises on arbitrary names', () => {
    const alphabet = ['.', '-', 'F', 'f', 'a', '0', '_', ' ', '\n', '$', '"', "'", 'HTTP', 'text', 'application', 'x-', 'extract-1.5-'];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 5000; round += 1) {
      let name = '';
      const length = next() % 24;
      for (let index = 0; index < length; index += 1) name += alphabet[next() % alphabet.length];
      const parsed = parseName(name);
      if (parsed === null) continue;
      expect(parsed.fuid).toMatch(/^F\w+$/);
      if (parsed.scheme === 'broapt') {
        expect(parsed.mime?.name).toMatch(/^[a-z0-9][a-z0-9!#$&^_+.-]*\/[a-z0-9][a-z0-9!#$&^_+.-]*$/);
        expect(parsed.pcap).not.toBe('');
      }
    }
  });
});

describe('sniffMime', () => {
  // Exact values observed from file-type 21 and file 5.44 on these samples.
  it.for([
    ['samples/strelka/test.pdf', 'application/pdf'],
    ['samples/strelka/test.exe', 'application/x-msdownload'],
    ['samples/strelka/test.elf', 'application/x-elf'],
    ['samples/strelka/test.xml', 'application/xml'],
    ['samples/strelka/test.lnk', 'application/x.ms.shortcut'],
    ['samples/file-type/fixture.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    // file-type has no signature for these; libmagic does.
    ['samples/strelka/test.html', 'text/html'],
    ['samples/strelka/test.js', 'application/javascript'],
    ['samples/strelka/test.eml', 'message/rfc822'],
    ['samples/eicar/eicar.txt', 'text/plain'],
    ['samples/strelka/test.der', 'application/octet-stream'],
  ] as const)('%s is %s', async ([sample, mime], context) => {
    const fixtures = requireFixtures(context);
    expect(await sniffMime(path.join(fixtures, sample))).toBe(mime);
  });

  it('falls back to octet-stream when neither libmagic nor file(1) can be had', async (context) => {
    const fixtures = requireFixtures(context);
    // libmagic is loaded once per process: a fresh one whose database ($MAGIC) and `file` are both missing.
    const sniff = new URL('../source/entry/sniff.ts', import.meta.url).href;
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', `const { sniffMime } = await import(${JSON.stringify(sniff)}); console.log(await sniffMime(process.argv[1]));`, path.join(fixtures, 'samples/eicar/eicar.txt')], {
      env: { PATH: scratch, MAGIC: path.join(scratch, 'no-such-magic.mgc') },
      extendEnv: false,
    });
    expect(stdout.trim()).toBe('application/octet-stream');
  });

  it('reports an empty file as libmagic does', async () => {
    const empty = path.join(scratch, 'empty');
    await writeFile(empty, '');
    expect(await sniffMime(empty)).toBe('application/x-empty');
  });

  it('passes hostile names to file(1) as data, not as options or shell', async (context) => {
    const fixtures = requireFixtures(context);
    const dir = path.join(scratch, 'hostile');
    await mkdir(dir);
    const hostile = path.join(dir, `-L $(touch pwned) 'q' "q"\n.html`);
    await copyFile(path.join(fixtures, 'samples/strelka/test.html'), hostile);
    expect(await sniffMime(hostile)).toBe('text/html');
    expect(await readdir(dir)).toEqual([path.basename(hostile)]);
  });

  it('refuses to read through a symbolic link', async (context) => {
    const fixtures = requireFixtures(context);
    const link = path.join(scratch, 'link');
    await symlink(path.join(fixtures, 'samples/strelka/test.html'), link);
    await expect(sniffMime(link)).rejects.toMatchObject({ code: 'E_NOT_REGULAR_FILE' });
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = path.join(scratch, 'fifo');
    await execa('mkfifo', ['--', fifo]);
    await expect(sniffMime(fifo)).rejects.toMatchObject({ code: 'E_NOT_REGULAR_FILE' });
  });

  it('refuses a directory', async () => {
    const error: unknown = await sniffMime(scratch).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BroaptError);
    expect(error).toMatchObject({ code: 'E_NOT_REGULAR_FILE', message: expect.stringContaining(scratch) });
  });
});

describe('makeEntry', () => {
  it('takes the MIME of a BroAPT name from the name, not the content', async () => {
    const file = path.join(scratch, `HTTP-${FUID}.day1.office.application.vnd.ms-excel.xls`);
    await writeFile(file, 'plain text, not a spreadsheet\n');
    expect(await makeEntry(file)).toEqual({
      path: file,
      fuid: FUID,
      protocol: 'HTTP',
      pcap: 'day1.office',
      mime: { mediaType: 'application', subtype: 'vnd.ms-excel', name: 'application/vnd.ms-excel' },
      extension: 'xls',
      scheme: 'broapt',
    });
  });

  it.for([
    ['extract-1268758238.345221-HTTP-FAGlA733M0RvJJmpy4', 'HTTP', 'FAGlA733M0RvJJmpy4', 'text/html'],
    ['extract-1268758221.744665-SSL-FOXSw43hGklBYILWHh', 'SSL', 'FOXSw43hGklBYILWHh', 'application/octet-stream'],
  ] as const)('sniffs the Zeek default name %s', async ([name, protocol, fuid, mime], context) => {
    const file = path.join(requireFixtures(context), 'extracted/bro-2.5-infectedpcap', name);
    const entry = await makeEntry(file);
    expect(entry).toMatchObject({ path: file, scheme: 'zeek', protocol, fuid, pcap: null, extension: null });
    expect(entry.mime.name).toBe(mime);
  });

  it('sniffs foreign names and derives a stable Zeek-shaped fuid from the path', async (context) => {
    const fixtures = requireFixtures(context);
    const pdf = path.join(fixtures, 'samples/strelka/test.pdf');
    const entry = await makeEntry(pdf);
    expect(entry).toMatchObject({
      path: pdf,
      scheme: 'foreign',
      protocol: null,
      pcap: null,
      extension: 'pdf',
      mime: { mediaType: 'application', subtype: 'pdf', name: 'application/pdf' },
    });
    expect(entry.fuid).toMatch(/^F[0-9A-Za-z]{17}$/);
    expect((await makeEntry(pdf)).fuid).toBe(entry.fuid);
    const copy = path.join(scratch, 'test.pdf');
    await copyFile(pdf, copy);
    expect((await makeEntry(copy)).fuid).not.toBe(entry.fuid);
  });

  it('takes a foreign extension from the last dot only', async (context) => {
    const fixtures = requireFixtures(context);
    const limit = await makeEntry(path.join(fixtures, 'extracted/zeek-3.3.0-dev-btest/ftp-retr-extract-limit/extract_files.3'));
    expect(limit).toMatchObject({ scheme: 'foreign', extension: '3', mime: { name: 'text/plain' } });
    const gzip = await makeEntry(path.join(fixtures, 'samples/file-type/fixture.tar.gz'));
    expect(gzip).toMatchObject({ extension: 'gz', mime: { name: 'application/gzip' } });
    const dotless = path.join(scratch, 'README');
    await writeFile(dotless, 'hello\n');
    expect(await makeEntry(dotless)).toMatchObject({ extension: null, mime: { name: 'text/plain' } });
  });

  it('demands an absolute path', async () => {
    await expect(makeEntry('relative/test.pdf')).rejects.toThrow(/absolute path/);
  });
});
