/**
 * Every error a user can cause carries a stable `code` and a message that says
 * what went wrong, where, and how to fix it. The CLI prints `message` alone
 * (no stack) for these and exits with `exitCode`.
 */
export class BroaptError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}

/** Where in a configuration file a problem sits. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** api.yml (or another configuration file) is invalid. */
export class ConfigError extends BroaptError {
  readonly position: SourcePosition | undefined;
  readonly keyPath: string;

  constructor(code: string, detail: string, keyPath: string, position?: SourcePosition) {
    const where = position ? `${position.file}:${position.line}:${position.column}` : '(unknown position)';
    super(code, `${where}: ${keyPath ? `${keyPath}: ` : ''}${detail}`);
    this.position = position;
    this.keyPath = keyPath;
  }
}

/** A command-line flag or BROAPT_* variable has a value we cannot use. */
export class UsageError extends BroaptError {
  constructor(message: string, code = 'E_USAGE') {
    super(code, message);
  }
}
