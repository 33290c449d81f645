/** The top-level media types IANA registers (RFC 6838 §4.2, and `haptics` since), `example` aside. */
export const MEDIA_TYPES = ['application', 'audio', 'font', 'haptics', 'image', 'message', 'model', 'multipart', 'text', 'video'] as const;

/** A MIME type as BroAPT splits it: `application/vnd.ms-excel` → media `application`, subtype `vnd.ms-excel`. */
export interface Mime {
  mediaType: string;
  subtype: string;
  /** `mediaType/subtype`, lower-case: the key api.yml is matched against. */
  name: string;
}

/** How the entry's name was understood. */
export type NamingScheme =
  /** `PROTOCOL-FUID.PCAP.MEDIA.SUBTYPE.EXT`, the BroAPT convention. */
  | 'broapt'
  /** `extract-<ts>-<source>-<fuid>`, Zeek's default extract analyzer name; MIME from content. */
  | 'zeek'
  /** Any other name: MIME from content, fuid derived from the path. */
  | 'foreign';

/** One extracted file on its way through the pipeline. Entries sort by `path`. */
export interface Entry {
  /** Absolute path of the file. */
  path: string;
  /** Zeek file UID (`F\w+`), or one derived from the path for foreign names. */
  fuid: string;
  /** Transport/application protocol from the name (HTTP, SMTP, FTP_DATA, ...), or null when unknown. */
  protocol: string | null;
  /** Name of the PCAP the file came from, or null when the name does not carry it. */
  pcap: string | null;
  /** MIME type: from the name for the BroAPT scheme, from content otherwise. */
  mime: Mime;
  /** File extension from the name (without dot), or null. */
  extension: string | null;
  scheme: NamingScheme;
}

export function compareEntries(a: Entry, b: Entry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function mimeOf(name: string): Mime {
  const lower = name.toLowerCase();
  const slash = lower.indexOf('/');
  if (slash < 0) return { mediaType: lower, subtype: '', name: lower };
  return { mediaType: lower.slice(0, slash), subtype: lower.slice(slash + 1), name: lower };
}
