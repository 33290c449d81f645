import { randomBytes, randomUUID } from 'node:crypto';
import { deflateRawSync, crc32 } from 'node:zlib';

/** A generated sample: its BroAPT name parts and bytes. */
export interface Sample {
  protocol: string;
  pcap: string;
  mime: string;
  extension: string;
  /** What it is, for the demo's printout. */
  about: string;
  bytes: Buffer;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A Zeek-like file UID: F and 17 base62 characters. */
export function randomFuid(): string {
  return `F${[...randomBytes(17)].map((b) => BASE62[b % 62]).join('')}`;
}

/** `PROTO-FUID.PCAP.MEDIA.SUBTYPE.EXT`, the name BroAPT's Zeek scripts give extracted files. */
export function sampleName(sample: Sample, fuid = randomFuid()): string {
  return `${sample.protocol}-${fuid}.${sample.pcap}.${sample.mime.replace('/', '.')}.${sample.extension}`;
}

function png1x1(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const idat = deflateRawSync(Buffer.from([0, 0x1f, 0x6f, 0xb4]));
  const zlibWrapped = Buffer.concat([Buffer.from([0x78, 0x01]), idat, Buffer.alloc(4)]);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlibWrapped), chunk('IEND', Buffer.alloc(0))]);
}

const GIF_1X1 = Buffer.from('47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b', 'hex');

/**
 * A ZIP archive of stored (uncompressed) members, or deflated ones, built by
 * hand so the demo and the tests need no zip tool.
 */
export function zipOf(members: Array<[name: string, content: Buffer | string]>, options: { deflate?: boolean } = {}): Buffer {
  const method = options.deflate === true ? 8 : 0;
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, body] of members) {
    const content = Buffer.from(body);
    const data = method === 8 ? deflateRawSync(content, { level: 9 }) : content;
    const fileName = Buffer.from(name);
    const crc = crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(method === 8 ? 20 : 10, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(method === 8 ? 20 : 10, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** The EICAR anti-virus test string, assembled at run time so no scanner flags our sources. */
export function eicar(): Buffer {
  return Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');
}

/** A one-page PDF whose /OpenAction runs `script` (PDF string syntax: parentheses escaped). */
export function pdfRunningJavaScript(script: string): string {
  return `%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
4 0 obj << /S /JavaScript /JS (${script}) >> endobj
trailer << /Root 1 0 R >>
%%EOF
`;
}

const PDF_WITH_JS = pdfRunningJavaScript("app.launchURL\\('http://invoice.example/view.php', true\\);");

const PDF_PLAIN = `%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
trailer << /Root 1 0 R >>
%%EOF
`;

const HTML_IFRAME = `<!doctype html>
<html><head><title>Invoice</title></head>
<body><p>Your invoice is ready.</p>
<iframe src="http://203.0.113.9/x" width="0" height="0" style="visibility:hidden"></iframe>
</body></html>
`;

const OBFUSCATED_JS = `var _0x1f=['\\x65\\x76\\x61\\x6c'];var p=unescape('%61%6c%65%72%74');
eval(String.fromCharCode(97,108,101,114,116,40,49,41));window[_0x1f[0]](atob('YWxlcnQoMik='));
`;

const EML = `From: billing@example.com
To: victim@example.org
Subject: Invoice 4471
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Please find the invoice attached.
`;

/** CFB (OLE2) header, as legacy Office documents start. */
const OLE_HEADER = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);

/** About a dozen realistic files of ten MIME types, named as BroAPT's Zeek scripts name them. */
export function demoSamples(elf: Buffer | undefined): Sample[] {
  const pcap = `demo-${randomUUID()}`;
  const samples: Sample[] = [
    { protocol: 'HTTP', pcap, mime: 'application/pdf', extension: 'pdf', about: 'PDF that runs JavaScript on open', bytes: Buffer.from(PDF_WITH_JS) },
    { protocol: 'HTTP', pcap, mime: 'application/pdf', extension: 'pdf', about: 'plain PDF', bytes: Buffer.from(PDF_PLAIN) },
    { protocol: 'HTTP', pcap: 'day1.office', mime: 'application/vnd.ms-excel', extension: 'xls', about: 'legacy Excel file (dotted PCAP name)', bytes: OLE_HEADER },
    { protocol: 'SMTP', pcap, mime: 'application/msword', extension: 'doc', about: 'legacy Word attachment', bytes: OLE_HEADER },
    { protocol: 'HTTP', pcap, mime: 'image/png', extension: 'png', about: '1x1 PNG', bytes: png1x1() },
    { protocol: 'HTTP', pcap, mime: 'image/gif', extension: 'gif', about: '1x1 GIF', bytes: GIF_1X1 },
    { protocol: 'FTP_DATA', pcap, mime: 'application/zip', extension: 'zip', about: 'ZIP holding a text file', bytes: zipOf([['readme.txt', 'hello from the demo\n']]) },
    { protocol: 'HTTP', pcap, mime: 'text/html', extension: 'html', about: 'page with a hidden iframe', bytes: Buffer.from(HTML_IFRAME) },
    { protocol: 'HTTP', pcap, mime: 'application/javascript', extension: 'js', about: 'obfuscated JavaScript', bytes: Buffer.from(OBFUSCATED_JS) },
    { protocol: 'HTTP', pcap, mime: 'text/plain', extension: 'txt', about: 'EICAR test file', bytes: eicar() },
    { protocol: 'SMTP', pcap, mime: 'message/rfc822', extension: 'eml', about: 'e-mail message', bytes: Buffer.from(EML) },
  ];
  if (elf) {
    samples.push({ protocol: 'HTTP', pcap, mime: 'application/x-executable', extension: 'bin', about: 'ELF executable', bytes: elf });
    samples.push({ protocol: 'HTTP', pcap, mime: 'image/gif', extension: 'gif', about: 'ELF executable served as a GIF', bytes: elf });
  }
  return samples;
}
