/**
 * HTTP spoken by hand: programs that build requests over raw sockets
 * instead of the system's HTTP libraries, and that rotate among several
 * browser User-Agent strings to pass for browser traffic.
 */
import type { Indicator } from './indicator.ts';
import type { PeInfo } from './parse.ts';

const SOCKET_LIBRARIES = /^(ws2_32|wsock32)\.dll$/;
const HTTP_LIBRARIES = /^(wininet|winhttp|urlmon)\.dll$/;
const HEADER_LINES = [/^(GET|POST) \S* ?HTTP\/1\.[01]/m, /^Host: /m, /^Accept: /m, /^Connection: Keep-Alive/im, /^User-Agent: /m, /^Accept-(Encoding|Language): /m, /^Content-Length: /m];

export function httpIndicators(info: PeInfo, strings: string[]): Indicator[] {
  const found: Indicator[] = [];
  const agents = new Set(strings.map((s) => /(User-Agent: |Mozilla\/\d\.\d )[^\r\n]{10,}/.exec(s)?.[0]).filter((a) => a !== undefined));
  if (agents.size >= 3) found.push({ rule: 'pe.http.user-agents', description: `${agents.size} browser User-Agent strings to rotate among, so that its traffic passes for a browser's: ${[...agents].slice(0, 2).join('; ')}`, weight: 2 });
  const libraries = Object.keys(info.imports);
  const text = strings.join('\n');
  const headers = HEADER_LINES.filter((h) => h.test(text));
  if (headers.length >= 3 && libraries.some((dll) => SOCKET_LIBRARIES.test(dll)) && !libraries.some((dll) => HTTP_LIBRARIES.test(dll))) {
    found.push({ rule: 'pe.http.raw-sockets', description: `writes HTTP requests itself over sockets (${headers.length} header lines, no HTTP library): a custom C2 channel`, weight: 2 });
  }
  return found;
}
