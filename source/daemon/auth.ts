import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { UsageError } from '../errors.ts';

/**
 * Bearer-token check in constant time. Both sides are hashed first, so the
 * compare takes the same time whatever the length of the guess, and the
 * token's length does not leak either.
 */
export function tokenChecker(token: string | undefined): (request: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (request) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Compare even without a well-formed header, so a missing one takes as long as a wrong one.
    const ok = timingSafeEqual(digest(match?.[1] ?? ''), expected);
    return ok && match !== null;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True for names and addresses that only this machine reaches. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** Where the daemon's token came from: `env` tokens sit in /proc/<pid>/environ for any process of the same user. */
export interface TokenSource {
  token: string | undefined;
  from: 'file' | 'env' | 'none';
  /** The file is readable by its group or others. */
  shared?: boolean;
}

/**
 * The bearer token: from the file BROAPT_DAEMON_TOKEN_FILE names (its first
 * line; a Docker or systemd secret), else BROAPT_DAEMON_TOKEN. A file keeps it
 * out of the process's initial environment, which /proc/<pid>/environ shows
 * for the process's whole life whatever it unsets later.
 */
export function tokenFrom(env: NodeJS.ProcessEnv): TokenSource {
  const file = env.BROAPT_DAEMON_TOKEN_FILE?.trim() || undefined;
  const inline = env.BROAPT_DAEMON_TOKEN?.trim() || undefined;
  if (file === undefined) return { token: inline, from: inline === undefined ? 'none' : 'env' };
  if (inline !== undefined) throw new UsageError('both BROAPT_DAEMON_TOKEN and BROAPT_DAEMON_TOKEN_FILE are set: keep the file and unset BROAPT_DAEMON_TOKEN.', 'E_TOKEN');
  let text: string;
  let mode: number;
  try {
    text = readFileSync(file, 'utf8');
    mode = statSync(file).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot read BROAPT_DAEMON_TOKEN_FILE=${file} (${code}): give a file readable by the daemon holding the token on its first line.`, 'E_TOKEN_FILE');
  }
  const token = text.split('\n', 1)[0]!.trim() || undefined;
  if (token === undefined) throw new UsageError(`BROAPT_DAEMON_TOKEN_FILE=${file} is empty: put the token on its first line (e.g. openssl rand -hex 24 > ${file}).`, 'E_TOKEN_FILE');
  return { token, from: 'file', shared: (mode & 0o077) !== 0 };
}
