import type { Budget } from './filters.ts';

export interface PdfObject {
  /** `N G` (generation 0 inside object streams). */
  id: string;
  /** The object's text before any stream, names decoded. */
  dict: string;
  /** The decoded stream, when the object has one and its filters could be undone. */
  stream?: Buffer;
  /** The stream as stored, when the object has one. */
  raw?: Buffer;
  filters: string[];
}

export interface PdfDocument {
  header: string | null;
  objects: Map<string, PdfObject>;
  encrypted: boolean;
  /** Encrypted, and opened with the empty user password: the encryption hides nothing from a reader. */
  decrypted: boolean;
  /** Escaped name → how often it was written with `#xx`. */
  obfuscatedNames: Record<string, number>;
  budget: Budget;
  /** The whole file as latin1, for the checks that look past the objects (polyglots). */
  text: string;
}
