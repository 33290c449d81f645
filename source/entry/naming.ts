import { MEDIA_TYPES, mimeOf, type Mime } from './entry.ts';

/** What a file name says about the file; see docs/naming.md for the rules. */
export interface ParsedName {
  scheme: 'broapt' | 'zeek';
  fuid: string;
  protocol: string | null;
  pcap: string | null;
  /** Null for Zeek default names: they carry no MIME, so it comes from the content. */
  mime: Mime | null;
  extension: string | null;
}

/** Registered top-level types, `example` included: the reference's regex lists it too. */
const REGISTERED_MEDIA_TYPES = new Set<string>([...MEDIA_TYPES, 'example']);

/** Unregistered `x-` top-level types, e.g. `x-world/x-vrml`. */
const EXPERIMENTAL_MEDIA_TYPE = /^x-[a-z0-9]/i;

/** One dot-free piece of a media type or subtype: RFC 6838 restricted-name characters. */
const MIME_TOKEN = /^[a-z0-9][a-z0-9!#$&^_+-]*$/i;

// The pcap part is free text, so bytes that could forge log lines or break out of a
// directory are refused everywhere; such files are still analysed, as foreign names.
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f/]/;

/** `PROTOCOL-FUID.` and the rest; Zeek writes fuids with an upper-case `F`. */
const BROAPT_HEAD = /^([^\s.-]+)-(F\w+)\.(.*)$/;

/** Zeek's extract analyzer default: `extract-<ts>-<source>-<fuid>`. */
const ZEEK_DEFAULT = /^extract-\d+(?:\.\d+)?-(\S+)-(F\w+)$/;

/** Understands BroAPT and Zeek default extracted-file names; null for any other name. */
export function parseName(basename: string): ParsedName | null {
  if (UNSAFE_CHARACTER.test(basename)) return null;
  return parseZeekDefault(basename) ?? parseBroapt(basename);
}

function parseZeekDefault(basename: string): ParsedName | null {
  const match = ZEEK_DEFAULT.exec(basename);
  if (!match) return null;
  const [, source = '', fuid = ''] = match;
  return { scheme: 'zeek', fuid, protocol: source, pcap: null, mime: null, extension: null };
}

function parseBroapt(basename: string): ParsedName | null {
  const head = BROAPT_HEAD.exec(basename);
  if (!head) return null;
  const [, protocol = '', fuid = '', rest = ''] = head;
  const tokens = rest.split('.');
  // MEDIA.SUBTYPE.EXTENSION is the shortest tail a BroAPT name has.
  if (tokens.length < 3) return null;
  const extensionIndex = tokens.length - 1;
  const mediaIndex = findMediaIndex(tokens, extensionIndex);
  const mimeTokens = tokens.slice(mediaIndex, extensionIndex);
  if (!mimeTokens.every((token) => MIME_TOKEN.test(token))) return null;
  const extension = tokens[extensionIndex] ?? '';
  if (/\s/.test(extension)) return null;
  const pcap = tokens.slice(0, mediaIndex).join('.');
  const [mediaType, ...subtype] = mimeTokens;
  return {
    scheme: 'broapt',
    fuid,
    protocol,
    pcap: pcap === '' ? null : pcap,
    mime: mimeOf(`${mediaType}/${subtype.join('.')}`),
    extension: extension === '' ? null : extension,
  };
}

/**
 * PCAP names and subtypes both contain dots, so the media type is the rightmost
 * media-type word that still leaves a subtype before the extension. Registered
 * types win over `x-` ones because subtypes often start with `x-` too.
 */
function findMediaIndex(tokens: readonly string[], extensionIndex: number): number {
  const lastCandidate = extensionIndex - 2;
  const isRegistered = (token: string) => REGISTERED_MEDIA_TYPES.has(token.toLowerCase());
  const isExperimental = (token: string) => EXPERIMENTAL_MEDIA_TYPE.test(token);
  for (const isMediaType of [isRegistered, isExperimental]) {
    for (let index = lastCandidate; index >= 0; index -= 1) {
      if (isMediaType(tokens[index] ?? '')) return index;
    }
  }
  // Unknown media type: read the tail as MEDIA.SUBTYPE.EXTENSION, like the reference regex.
  return lastCandidate;
}
