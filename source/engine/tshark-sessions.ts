/**
 * What tshark's dissectors saw of a capture's HTTP, FTP and SMTP sessions.
 * Read without TCP reassembly: a request whose body never completes (a cut
 * capture, a lost segment) still shows its headers, and that is exactly the
 * transfer `--export-objects` silently drops.
 */

/** One HTTP request, with the response that answered it when there was one. */
export interface HttpExchange {
  ts: number;
  stream: string;
  origHost: string;
  origPort: number | undefined;
  respHost: string;
  respPort: number | undefined;
  /** Requests before this one on the same connection, as Zeek's trans_depth (from 1). */
  depth: number;
  method: string;
  uri: string;
  host: string;
  referrer: string;
  userAgent: string;
  version: string;
  requestBodyLength: number | undefined;
  status: number | undefined;
  statusMessage: string;
  responseBodyLength: number | undefined;
  responseChunked: boolean;
}

/** A file transfer a dissector saw: FTP RETR/STOR/STOU/APPE or an SMTP DATA. */
export interface CommandTransfer {
  ts: number;
  stream: string;
  origHost: string;
  respHost: string;
  command: string;
  argument: string;
}

export interface Sessions {
  http: HttpExchange[];
  ftp: CommandTransfer[];
  smtp: CommandTransfer[];
}

const FTP_TRANSFERS = ['RETR', 'STOR', 'STOU', 'APPE'];

const FIELDS = [
  'frame.time_epoch',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'http.request.method',
  'http.request.uri',
  'http.request.version',
  'http.host',
  'http.referer',
  'http.user_agent',
  'http.response.code',
  'http.response.phrase',
  'http.content_length',
  'http.transfer_encoding',
  'ftp.request.command',
  'ftp.request.arg',
  'smtp.req.command',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

/** The tshark arguments of the sessions pass. */
export function sessionsArgs(pcap: string): string[] {
  const ftp = FTP_TRANSFERS.map((command) => `ftp.request.command == "${command}"`).join(' || ');
  return [
    '-r', pcap, '-n',
    '-o', 'tcp.desegment_tcp_streams:FALSE',
    '-Y', `http.request || http.response || ${ftp} || smtp.req.command == "DATA"`,
    '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f',
    ...FIELDS.flatMap((field) => ['-e', field]),
  ];
}

const count = (text: string): number | undefined => (/^\d+$/.test(text) ? Number(text) : undefined);

/** Parses the sessions pass's output; HTTP responses pair with the oldest unanswered request of their connection. */
export function parseSessions(output: string): Sessions {
  const sessions: Sessions = { http: [], ftp: [], smtp: [] };
  const waiting = new Map<string, HttpExchange[]>();
  const depth = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const values = line.split('\t');
    const row = Object.fromEntries(FIELDS.map((field, index) => [field, values[index] ?? ''])) as Row;
    const ts = Number(row['frame.time_epoch']);
    const stream = row['tcp.stream'];
    const src = row['ip.src'] || row['ipv6.src'];
    const dst = row['ip.dst'] || row['ipv6.dst'];
    if (row['http.request.method'] !== '') {
      const exchange: HttpExchange = {
        ts,
        stream,
        origHost: src,
        origPort: count(row['tcp.srcport']),
        respHost: dst,
        respPort: count(row['tcp.dstport']),
        depth: (depth.get(stream) ?? 0) + 1,
        method: row['http.request.method'],
        uri: row['http.request.uri'],
        host: row['http.host'],
        referrer: row['http.referer'],
        userAgent: row['http.user_agent'],
        version: row['http.request.version'].replace(/^HTTP\//, ''),
        requestBodyLength: count(row['http.content_length']),
        status: undefined,
        statusMessage: '',
        responseBodyLength: undefined,
        responseChunked: false,
      };
      depth.set(stream, exchange.depth);
      sessions.http.push(exchange);
      waiting.set(stream, [...(waiting.get(stream) ?? []), exchange]);
    } else if (row['http.response.code'] !== '') {
      const exchange = waiting.get(stream)?.shift();
      if (exchange === undefined) continue;
      exchange.status = count(row['http.response.code']);
      exchange.statusMessage = row['http.response.phrase'];
      exchange.responseBodyLength = count(row['http.content_length']);
      exchange.responseChunked = /chunked/i.test(row['http.transfer_encoding']);
    } else if (row['ftp.request.command'] !== '') {
      sessions.ftp.push({ ts, stream, origHost: src, respHost: dst, command: row['ftp.request.command'].toUpperCase(), argument: row['ftp.request.arg'] });
    } else if (row['smtp.req.command'] !== '') {
      sessions.smtp.push({ ts, stream, origHost: src, respHost: dst, command: 'DATA', argument: '' });
    }
  }
  return sessions;
}
