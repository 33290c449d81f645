import type { Redis } from 'ioredis';

/**
 * The Lua scripts of cluster mode. Each one runs atomically inside Redis, which
 * is what keeps the queue, the in-queue set and the history consistent however
 * workers, the enqueuer and the reconciler interleave.
 */
/**
 * KEYS queue queued; ARGV group id path. Acknowledges and deletes message `id`
 * (the stream holds only waiting and running files) and takes its path off the
 * in-queue set, unless a newer message of the path is there now.
 */
const FINISH_MESSAGE = `
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[2] then redis.call('HDEL', KEYS[2], ARGV[3]) end`;

const LUA = {
  /**
   * KEYS processed queued queue; ARGV retryFailed paths…. Adds a message for each
   * path that is neither processed nor queued; returns {added, processed, queued}.
   */
  broaptEnqueue: {
    keys: 3,
    lua: `
local added, done, waiting = 0, 0, 0
local retry = ARGV[1] == '1'
for i = 2, #ARGV do
  local p = ARGV[i]
  local status = redis.call('HGET', KEYS[1], p)
  if status == 'failed' and retry then
    redis.call('HDEL', KEYS[1], p)
    status = false
  end
  if status then
    done = done + 1
  elseif redis.call('HEXISTS', KEYS[2], p) == 1 then
    waiting = waiting + 1
  else
    redis.call('HSET', KEYS[2], p, redis.call('XADD', KEYS[3], '*', 'path', p))
    added = added + 1
  end
end
return {added, done, waiting}`,
  },
  /** KEYS processed counts; ARGV path status. Records the status and keeps the counters true. */
  broaptMark: {
    keys: 2,
    lua: `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if old then redis.call('HINCRBY', KEYS[2], old, -1) end
return 1`,
  },
  /**
   * KEYS queue queued results rate; ARGV group id path record resultsMax. Finishes the
   * message; when there is a record, publishes it and counts it in this second's rate key.
   */
  broaptAck: {
    keys: 4,
    lua: `${FINISH_MESSAGE}
if ARGV[4] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'record', ARGV[4])
  redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 120)
end
return 1`,
  },
  /**
   * KEYS queue queued; ARGV mode group consumer ids…. For each message this consumer
   * still owns: mode `keep` resets its idle time without counting a delivery (the
   * worker is alive and busy with it); mode `give` puts it back at the end of the
   * queue as a new message (a stopping worker hands over what it has not started).
   */
  broaptOwned: {
    keys: 2,
    lua: `
local n = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', KEYS[1], ARGV[2], id, id, 1)
  if p[1] and p[1][2] == ARGV[3] then
    if ARGV[1] == 'keep' then
      redis.call('XCLAIM', KEYS[1], ARGV[2], ARGV[3], 0, id, 'JUSTID')
    else
      local entry = redis.call('XRANGE', KEYS[1], id, id)
      redis.call('XACK', KEYS[1], ARGV[2], id)
      redis.call('XDEL', KEYS[1], id)
      if entry[1] then
        local path = entry[1][2][2]
        local again = redis.call('XADD', KEYS[1], '*', 'path', path)
        if redis.call('HGET', KEYS[2], path) == id then redis.call('HSET', KEYS[2], path, again) end
      end
    end
    n = n + 1
  end
end
return n`,
  },
  /** KEYS queue queued dead counts; ARGV group id path deliveries consumer. Moves a message to the dead-letter stream. */
  broaptDeadLetter: {
    keys: 4,
    lua: `${FINISH_MESSAGE}
redis.call('XADD', KEYS[3], '*', 'path', ARGV[3], 'deliveries', ARGV[4], 'consumer', ARGV[5], 'id', ARGV[2])
redis.call('HINCRBY', KEYS[4], 'dead', 1)
return 1`,
  },
  /** KEYS lock fence; ARGV ms. Takes the lock under a new fencing token; returns the token, or nil when the lock is held. */
  broaptAcquire: {
    keys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = tostring(redis.call('INCR', KEYS[2]))
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token`,
  },
  /**
   * KEYS cache lock fence; ARGV ms. The cached record ({'hit', record}); else the
   * key's compute lock under a new token ({'mine', token}); else {'busy'}: another
   * worker is computing it.
   */
  broaptCacheClaim: {
    keys: 3,
    lua: `
local value = redis.call('GET', KEYS[1])
if value then return {'hit', value} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'busy'} end
local token = tostring(redis.call('INCR', KEYS[3]))
redis.call('SET', KEYS[2], token, 'PX', ARGV[1])
return {'mine', token}`,
  },
  /** KEYS cache lock; ARGV token record ttl. Stores the record (when given) and releases the compute lock, in that order. */
  broaptCacheStore: {
    keys: 2,
    lua: `
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`,
  },
  /** KEYS lock; ARGV token ms. Extends the lock while it is still ours. */
  broaptRenew: {
    keys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
  },
  /** KEYS lock; ARGV token. Deletes the lock while it is still ours. */
  broaptRelease: {
    keys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
  /**
   * KEYS lock hash; ARGV token field value. The fenced write: only the holder of
   * the lock's current token may write, so a holder whose lock expired (stalled,
   * partitioned) cannot overwrite what the next holder did.
   */
  broaptFencedHset: {
    keys: 2,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`,
  },
} as const;

type Arg = string | number;

export interface Scripts {
  broaptEnqueue(processed: string, queued: string, queue: string, retryFailed: Arg, ...paths: string[]): Promise<[number, number, number]>;
  broaptMark(processed: string, counts: string, path: string, status: 'done' | 'failed'): Promise<number>;
  broaptAck(queue: string, queued: string, results: string, rate: string, group: string, id: string, path: string, record: string, resultsMax: Arg): Promise<number>;
  broaptOwned(queue: string, queued: string, mode: 'keep' | 'give', group: string, consumer: string, ...ids: string[]): Promise<number>;
  broaptDeadLetter(queue: string, queued: string, dead: string, counts: string, group: string, id: string, path: string, deliveries: Arg, consumer: string): Promise<number>;
  broaptCacheClaim(cache: string, lock: string, fence: string, ms: Arg): Promise<['hit', string] | ['mine', string] | ['busy']>;
  broaptCacheStore(cache: string, lock: string, token: string, record: string, ttl: Arg): Promise<number>;
  broaptAcquire(lock: string, fence: string, ms: Arg): Promise<string | null>;
  broaptRenew(lock: string, token: string, ms: Arg): Promise<number>;
  broaptRelease(lock: string, token: string): Promise<number>;
  broaptFencedHset(lock: string, hash: string, token: string, field: string, value: string): Promise<number>;
}

/** Registers the scripts: ioredis sends each by its SHA and falls back to the source once Redis has forgotten it (a restart). */
export function defineScripts(redis: Redis): Redis & Scripts {
  for (const [name, { keys, lua }] of Object.entries(LUA)) redis.defineCommand(name, { numberOfKeys: keys, lua });
  return redis as Redis & Scripts;
}
