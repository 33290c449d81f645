import type { Connection } from './connection.ts';

/**
 * The records on the results stream, as JSON text, in order: those already
 * there when `fromStart`, then each new one as it comes, until `stopped()`.
 */
export async function* followResults({ redis, keys }: Connection, options: { fromStart: boolean; stopped: () => boolean }): AsyncGenerator<string> {
  // Start from a concrete id: re-reading from "$" on every call would miss what arrives between calls.
  let last = '0-0';
  if (!options.fromStart) {
    const newest = (await redis.xrevrange(keys.results, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    last = newest[0]?.[0] ?? '0-0';
  }
  while (!options.stopped()) {
    const reply = (await redis.xread('COUNT', 500, 'BLOCK', 500, 'STREAMS', keys.results, last)) as Array<[string, Array<[string, string[]]>]> | null;
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      last = id;
      const at = fields.indexOf('record');
      if (at !== -1 && fields[at + 1] !== undefined) yield fields[at + 1]!;
    }
  }
}
