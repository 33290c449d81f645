/**
 * The one shape every shipped analyzer has: a function from a file (its
 * bytes, name, MIME types and hashes) to findings. The same function runs
 * cold from the command line (`node pe.ts FILE`) and warm inside the one
 * long-lived analyzer process of a worker (apps/shipped), which reads and
 * hashes each file once and hands it to every analyzer that accepts it.
 */
import type { Finding } from './report.ts';

export interface Hashes {
  md5: string;
  sha1: string;
  sha256: string;
}

export interface Sample {
  /** The file's bytes: the whole file, or its first MAX_SAMPLE_BYTES when larger (`truncated`). */
  bytes: Buffer;
  /** The size on disk. */
  size: number;
  truncated: boolean;
  /** Where the file is: for messages only. Never opened again by path, never run. */
  path: string;
  /** The name the file had where it came from (an archive member's own name, or the extracted file's), for extension checks. */
  name: string;
  /** The MIME type broapt matched (Zeek's, from the BroAPT name); may be empty. */
  mime: string;
  /** The MIME type libmagic gives the content. */
  realMime: string;
  hashes: Hashes;
  /** A folder where an analyzer may unpack members for broapt to analyse as child entries; undefined when children cannot be taken. */
  childrenDir?: string | undefined;
}

export interface Child {
  /** Path relative to `childrenDir`. */
  path: string;
  /** The member's path inside its container. */
  member: string;
}

export interface Analysis {
  findings: Finding[];
  details?: Record<string, unknown>;
  /** Members unpacked into `childrenDir`, which broapt analyses as child entries. */
  children?: Child[];
}

export interface Analyzer {
  /** The app name findings are reported under; rules start with it (`pe.`, `script.`, …). */
  name: string;
  /** Whether this file is the analyzer's kind, by content first and MIME second. */
  accepts(sample: Sample): boolean;
  analyse(sample: Sample): Analysis | Promise<Analysis>;
}

/** Files larger than this are analysed on their head: every parser stays bounded in memory. */
export const MAX_SAMPLE_BYTES = 64 << 20;
