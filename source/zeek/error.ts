import { BroaptError } from '../errors.ts';

/** A Zeek log we cannot read: names the file, the 1-based line (when one is at fault) and the fix. */
export class ZeekLogError extends BroaptError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, detail: string, options?: { cause?: unknown }) {
    super('E_ZEEK_LOG', `${file}${line === undefined ? '' : `:${line}`}: ${detail}`, options);
    this.file = file;
    this.line = line;
  }
}
