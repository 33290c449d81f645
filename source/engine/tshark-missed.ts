import { lastSegment, unescapeExported } from './tshark-names.ts';
import type { Sessions } from './tshark-sessions.ts';

/** The export-object protocols whose transfers the sessions pass can see. */
export type ExportProtocol = 'http' | 'ftp-data' | 'imf';

/** A transfer the dissectors saw: what tshark would name its object, and how to tell a person about it. */
export interface SeenTransfer {
  protocol: ExportProtocol;
  /** The object's name as tshark exports it, decoded; '' when tshark names it after something else. */
  name: string;
  about: string;
}

const NO_BODY_STATUS = new Set([204, 304]);

/** An exported object's name as the traffic gave it: unescaped, without the `(n)` tshark adds to duplicates. */
export function exportedName(protocol: ExportProtocol, name: string): string {
  const plain = unescapeExported(name).replace(/\(\d+\)(?=\.[^.]*$|$)/, '');
  return protocol === 'imf' ? '' : plain;
}

/** Every transfer with a body the sessions pass saw: HTTP uploads and downloads, FTP file commands, SMTP messages. */
export function seenTransfers(sessions: Sessions): SeenTransfer[] {
  const seen: SeenTransfer[] = [];
  for (const exchange of sessions.http) {
    const name = lastSegment(exchange.uri);
    if ((exchange.requestBodyLength ?? 0) > 0) {
      seen.push({ protocol: 'http', name, about: `HTTP ${exchange.method} ${exchange.uri} from ${exchange.origHost} (${exchange.requestBodyLength} bytes declared)` });
    }
    const status = exchange.status;
    const body = (exchange.responseBodyLength ?? 0) > 0 || exchange.responseChunked;
    if (status !== undefined && status >= 200 && !NO_BODY_STATUS.has(status) && exchange.method !== 'HEAD' && body) {
      const size = exchange.responseChunked ? 'chunked' : `${exchange.responseBodyLength} bytes declared`;
      seen.push({ protocol: 'http', name, about: `HTTP ${exchange.method} ${exchange.host}${exchange.uri} answered ${status} to ${exchange.origHost} (${size})` });
    }
  }
  for (const transfer of sessions.ftp) {
    seen.push({ protocol: 'ftp-data', name: lastSegment(transfer.argument), about: `FTP ${transfer.command} ${transfer.argument} between ${transfer.origHost} and ${transfer.respHost}` });
  }
  for (const transfer of sessions.smtp) {
    seen.push({ protocol: 'imf', name: '', about: `SMTP message from ${transfer.origHost} to ${transfer.respHost}` });
  }
  return seen;
}

/**
 * The seen transfers no exported object accounts for. Objects are matched by
 * name first, so the transfer reported missing is the one whose name is
 * absent; what is left pairs up by count, because tshark names some objects
 * after something the sessions pass does not see.
 */
export function missedTransfers(seen: SeenTransfer[], exported: Record<ExportProtocol, string[]>): SeenTransfer[] {
  const missed: SeenTransfer[] = [];
  for (const protocol of Object.keys(exported) as ExportProtocol[]) {
    const names = exported[protocol].map((name) => exportedName(protocol, name));
    const unmatched: SeenTransfer[] = [];
    for (const transfer of seen.filter((t) => t.protocol === protocol)) {
      const at = names.indexOf(transfer.name);
      if (at >= 0) names.splice(at, 1);
      else unmatched.push(transfer);
    }
    missed.push(...unmatched.slice(names.length));
  }
  return missed;
}
