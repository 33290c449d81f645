import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { filesLog, type WholeLog } from './files-log.ts';
import { findExecutable } from './executable.ts';
import { EngineError, type Engine, type ExtractedFile } from './engine.ts';
import { stableFuid, stableUid } from './fuid.ts';
import { attachmentsOf } from './mail.ts';
import { pcapStem } from './pcap.ts';
import { fileDigests, placeFile, type PlacedFile } from './place.ts';
import { httpLogOf } from './tshark-http-log.ts';
import { lastSegment, unescapeExported } from './tshark-names.ts';
import { missedTransfers, seenTransfers, type ExportProtocol } from './tshark-missed.ts';
import { parseSessions, sessionsArgs } from './tshark-sessions.ts';
import type { Logger } from '../log.ts';
import type { ZeekRecord } from '../zeek/values.ts';

/** tshark's export-object protocols, with the `source` Zeek gives such files. */
const PROTOCOLS = [
  { tshark: 'http', source: 'HTTP' },
  { tshark: 'imf', source: 'SMTP' },
  { tshark: 'smb', source: 'SMB' },
  { tshark: 'tftp', source: 'TFTP' },
  { tshark: 'ftp-data', source: 'FTP_DATA' },
] as const;

/** The frame that carried an object, as far as tshark's fields tell. */
interface Carrier {
  protocol: 'http' | 'imf';
  ts: number;
  src: string;
  dst: string;
  size: number | undefined;
  /** URI basename (HTTP) or subject (IMF): what tshark names the object after. */
  name: string;
}

/** Extracts with Wireshark's `tshark --export-objects`; see docs/engines.md. */
export function tsharkEngine(env: NodeJS.ProcessEnv = process.env): Engine {
  const binary = findExecutable('tshark', env.BROAPT_TSHARK?.trim() || undefined, env);
  if (binary === undefined) {
    throw new EngineError(
      'E_NO_TSHARK',
      'no tshark binary found on PATH. Install it (Debian: apt-get install tshark, answering "no" to non-root captures) or point BROAPT_TSHARK at it.',
    );
  }
  let supported: Promise<string[]> | undefined;
  return {
    name: 'tshark',
    async extract(pcap, { outDir, dumpDir, onFile, logger }) {
      const protocols = await (supported ??= exportProtocols(binary));
      const exportDir = path.join(outDir, 'export');
      const use = PROTOCOLS.filter((p) => protocols.includes(p.tshark));
      // One pass exports the objects and prints the frames that carried them.
      const args = ['-r', pcap, '-n', ...use.flatMap((p) => ['--export-objects', `${p.tshark},${path.join(exportDir, p.tshark)}`]), ...CARRIER_ARGS];
      const [exportText, sessionsText, { sha256: pcapSha256 }] = await Promise.all([tshark(binary, args, pcap), tshark(binary, sessionsArgs(pcap), pcap), fileDigests(pcap)]);
      const carriers = parseCarriers(exportText);
      const log = filesLog();
      const stem = pcapStem(pcap);
      const exported: Record<ExportProtocol, string[]> = { http: [], 'ftp-data': [], imf: [] };
      for (const protocol of use) {
        const dir = path.join(exportDir, protocol.tshark);
        // tshark writes the names (taken from the traffic) itself; they are only ever read back as data.
        const names = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isFile()).map((d) => d.name).sort();
        if (protocol.tshark in exported) exported[protocol.tshark as ExportProtocol] = names;
        for (const [index, name] of names.entries()) {
          const fuid = stableFuid(pcapSha256, protocol.tshark, String(index));
          // An IMF object is the whole message, whatever its text looks like to a sniffer.
          const mime = protocol.tshark === 'imf' ? 'message/rfc822' : undefined;
          const placed = await placeFile({ source: path.join(dir, name), protocol: protocol.source, fuid, pcap: stem, dumpDir, exportedName: name, mime });
          const carrier = carrierOf(carriers, protocol.tshark, name, placed.size);
          const record = fileRecord(placed, { fuid, source: protocol.source, filename: name, carrier, depth: 0, parent: null });
          log.add(record);
          onFile({ path: placed.path, fuid });
          if (protocol.tshark === 'imf') await extractAttachments(placed, record, { stem, dumpDir, outDir, log, onFile });
        }
      }
      await rm(exportDir, { recursive: true, force: true });
      const sessions = parseSessions(sessionsText);
      await log.write(outDir);
      if (sessions.http.length > 0) await httpLogOf(sessions.http, (stream) => stableUid(pcapSha256, 'tcp', stream)).write(outDir);
      reportMissed(logger, pcap, seenTransfers(sessions).length, missedTransfers(seenTransfers(sessions), exported));
    },
  };
}

/**
 * The line every capture ends with: how many transfers the dissectors saw and
 * which of them tshark could not export (a cut upload, an FTP data channel it
 * did not tie to its command), so a miss is never silent.
 */
function reportMissed(logger: Logger, pcap: string, seen: number, missed: Array<{ about: string }>): void {
  if (missed.length === 0) {
    logger.info({ pcap, transfers: seen, missed: 0 }, `tshark extracted every transfer it saw (${seen})`);
    return;
  }
  const list = missed.map((transfer) => transfer.about);
  logger.warn({ pcap, transfers: seen, missed: list.length, notExtracted: list }, `tshark saw ${seen} transfer(s) and could not extract ${list.length}: ${list.join('; ')}`);
}

async function extractAttachments(
  message: PlacedFile,
  parent: ZeekRecord,
  context: { stem: string; dumpDir: string; outDir: string; log: WholeLog; onFile: (file: ExtractedFile) => void },
): Promise<void> {
  const parentFuid = String(parent.fuid);
  for (const [index, attachment] of (await attachmentsOf(message.path)).entries()) {
    const fuid = stableFuid(parentFuid, 'attachment', String(index));
    const scratch = path.join(context.outDir, `${fuid}.attachment`);
    await writeFile(scratch, attachment.content);
    const placed = await placeFile({ source: scratch, protocol: 'SMTP', fuid, pcap: context.stem, dumpDir: context.dumpDir, exportedName: attachment.filename, declaredMime: attachment.mimeType });
    context.log.add({
      ...fileRecord(placed, { fuid, source: 'SMTP', filename: attachment.filename || null, carrier: undefined, depth: 1, parent: parentFuid }),
      ts: parent.ts ?? null,
      tx_hosts: parent.tx_hosts ?? null,
      rx_hosts: parent.rx_hosts ?? null,
    });
    context.onFile({ path: placed.path, fuid });
  }
}

function fileRecord(
  placed: PlacedFile,
  about: { fuid: string; source: string; filename: string | null; carrier: Carrier | undefined; depth: number; parent: string | null },
): ZeekRecord {
  const { carrier } = about;
  return {
    ts: carrier?.ts ?? null,
    fuid: about.fuid,
    tx_hosts: carrier ? [carrier.src] : null,
    rx_hosts: carrier ? [carrier.dst] : null,
    source: about.source,
    depth: about.depth,
    analyzers: ['MD5', 'SHA1', 'SHA256', 'EXTRACT'],
    mime_type: placed.mime,
    filename: about.filename,
    seen_bytes: placed.size,
    total_bytes: placed.size,
    missing_bytes: 0,
    parent_fuid: about.parent,
    md5: placed.md5,
    sha1: placed.sha1,
    sha256: placed.sha256,
    extracted: placed.localName,
    extracted_cutoff: false,
    extracted_size: placed.size,
  };
}

/**
 * The frame an object came from: the one carrier of its protocol whose name
 * (and size, when the frame gives one) matches the exported object. tshark's
 * CLI does not list which frame made which object, so an ambiguous match
 * stays unmatched: files.log then leaves ts and hosts unset.
 */
function carrierOf(carriers: Carrier[], protocol: string, exportedName: string, size: number): Carrier | undefined {
  let name = unescapeExported(exportedName);
  if (protocol === 'imf') name = name.replace(/\.eml$/, '');
  const candidates = carriers.filter((c) => c.protocol === protocol && c.name === name && (c.size === undefined || c.size === size));
  return candidates.length === 1 ? candidates[0] : undefined;
}

const CARRIER_FIELDS = ['frame.protocols', 'frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'http.content_length', 'http.request.uri', 'http.response_for.uri', 'imf.subject'];
const CARRIER_ARGS = ['-Y', 'http.file_data || imf', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...CARRIER_FIELDS.flatMap((f) => ['-e', f])];

function parseCarriers(output: string): Carrier[] {
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [protocols = '', ts = '', ip4src = '', ip4dst = '', ip6src = '', ip6dst = '', length = '', requestUri = '', responseUri = '', ...subject] = line.split('\t');
      const isMail = protocols.split(':').includes('imf');
      return {
        protocol: isMail ? 'imf' : 'http',
        ts: Number(ts),
        src: ip4src || ip6src,
        dst: ip4dst || ip6dst,
        size: length === '' || isMail ? undefined : Number(length),
        name: isMail ? subject.join('\t') : lastSegment(responseUri || requestUri),
      } satisfies Carrier;
    });
}

/** The protocols this tshark can export, from the list `--export-objects help` prints. */
async function exportProtocols(binary: string): Promise<string[]> {
  const { execa } = await import('execa');
  const result = await execa(binary, ['--export-objects', 'help'], { reject: false, all: true });
  return result.all.split('\n').map((line) => line.trim()).filter((line) => /^[a-z0-9-]+$/.test(line));
}

async function tshark(binary: string, args: string[], pcap: string): Promise<string> {
  const { execa } = await import('execa');
  const result = await execa(binary, args, { reject: false, stripFinalNewline: false, maxBuffer: 1024 * 1024 * 1024 });
  if (result.exitCode !== 0) {
    const detail = result.stderr.split('\n').filter((line) => line && !line.startsWith('Running as user')).join('\n');
    throw new EngineError('E_TSHARK', `tshark failed on ${pcap} (exit ${result.exitCode}): ${detail || result.shortMessage}. Check that the capture is readable with tshark -r.`, { exitCode: 1 });
  }
  return result.stdout;
}
