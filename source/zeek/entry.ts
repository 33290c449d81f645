import type { ZeekDirective } from './header.ts';
import type { ZeekRecord } from './values.ts';

/** One line of a Zeek log, as the reader met it; a writer given every entry reproduces the file. */
export type ZeekEntry =
  | { kind: 'record'; line: number; record: ZeekRecord }
  | ({ kind: 'directive'; line: number } & ZeekDirective)
  | { kind: 'comment'; line: number; text: string };
