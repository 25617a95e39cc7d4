/**
 * Lua scripts that make read-check-write steps atomic in Redis, whichever
 * replica or worker runs them. Run by SHA (EVALSHA), so the body travels only
 * when Redis has not seen it yet (first use, or after a restart).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  private readonly sha: string;

  constructor(private readonly body: string) {
    this.sha = createHash('sha1').update(body).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.body, keys.length, ...keys, ...args);
    }
  }
}

/** Lua that notes a stream as having records not posted yet, keeping the time of the first. `set` and `name` are the Lua expressions of the set's key and the stream's name. */
function noteUnposted(set: string, name: string): string {
  return `local now = redis.call('TIME')
redis.call('ZADD', ${set}, 'NX', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ${name})`;
}

/**
 * The transition gate's write: a compare-and-set of a promotion's JSON,
 * matched by SHA-1 so the old value need not travel again, and written as a
 * splice of it (see promotion-json.ts) so only what changed travels; keeps the
 * set of unfinished promotions in step. In the same write it sets the ledger
 * entries and verified marks the change makes and, with records, appends them
 * to the promotion's audit stream when its head is still the one the first of
 * them was chained to, and notes the stream as unposted. Everything is
 * checked before anything is written.
 * KEYS: promotion, active set, unposted set, audit stream, audit head, the
 * environment's ledger, verified versions. ARGV: SHA-1 of the expected JSON,
 * id, terminal(0|1), byte length of the new JSON ("" when it stays), the
 * number of splice operations, the operations; the number of ledger writes,
 * per write the component and its entry's JSON ("" to clear); the number of
 * verified marks, per mark the field and its time (an earlier one stays); then, with
 * records, the stream's name, the expected head ("" for none), the new head,
 * and per record its sequence number (the entry id) and JSON.
 * Returns {1, SHA-1 of what is there now} when written, {0, the current JSON}
 * when the promotion differs — so a retry needs no extra read — {2, the
 * current head} when only the stream moved on, and nil when there is no
 * promotion.
 */
export const TRANSITION_PROMOTION = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if not current then return nil end
if redis.sha1hex(current) ~= ARGV[1] then return {0, current} end
local operations = tonumber(ARGV[5])
local ledger = 6 + operations
local writes = tonumber(ARGV[ledger])
local verified = ledger + 2 * writes + 1
local at = verified + 1 + 2 * tonumber(ARGV[verified])
local records = #ARGV >= at
if records then
  local head = redis.call('GET', KEYS[5]) or ''
  if head ~= ARGV[at + 1] then return {2, head} end
end
local sha = ARGV[1]
local next
if operations > 0 then
  local pieces = {}
  for i = 6, ledger - 1 do
    local op = ARGV[i]
    if string.sub(op, 1, 1) == '=' then
      local from, length = string.match(op, '^=(%d+):(%d+)$')
      pieces[#pieces + 1] = string.sub(current, tonumber(from) + 1, tonumber(from) + tonumber(length))
    else
      pieces[#pieces + 1] = string.sub(op, 2)
    end
  end
  next = table.concat(pieces)
  if #next ~= tonumber(ARGV[4]) then return redis.error_reply('promotion splice does not add up; nothing written') end
end
-- Records first: an entry id the stream refuses fails the script before anything else is written.
if records then
  for i = at + 3, #ARGV, 2 do
    redis.call('XADD', KEYS[4], ARGV[i] .. '-0', 'record', ARGV[i + 1])
  end
  redis.call('SET', KEYS[5], ARGV[at + 2])
  ${noteUnposted('KEYS[3]', 'ARGV[at]')}
end
for i = ledger + 1, verified - 1, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[6], ARGV[i]) else redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1]) end
end
for i = verified + 1, at - 1, 2 do redis.call('HSETNX', KEYS[7], ARGV[i], ARGV[i + 1]) end
if next then
  redis.call('SET', KEYS[1], next)
  if ARGV[3] == '1' then redis.call('SREM', KEYS[2], ARGV[2]) else redis.call('SADD', KEYS[2], ARGV[2]) end
  sha = redis.sha1hex(next)
end
return {1, sha}
`);

/** Takes a lock if free; returns the holder. KEYS: lock. ARGV: candidate. */
export const ACQUIRE_LOCK = new LuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return ARGV[1] end
return redis.call('GET', KEYS[1])
`);

/** Takes a lease that is free or lapsed, or renews one the caller holds. KEYS: lease. ARGV: holder, lifetime in ms. */
export const HOLD_LEASE = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`);

/** Deletes a lock or lease only for the one holding it. KEYS: lock. ARGV: holder. */
export const RELEASE_LOCK = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Appends records to an audit stream only when its head is still the one the
 * first of them was chained to, and notes the stream as unposted. KEYS:
 * stream, head, unposted set. ARGV: stream name, expected head ("" for none),
 * new head, then per record its sequence number (the entry id) and JSON.
 * Returns 1 when appended, otherwise the current head ("" for none).
 */
export const APPEND_AUDIT = new LuaScript(`
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[2] then return head end
for i = 4, #ARGV, 2 do
  redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 'record', ARGV[i + 1])
end
redis.call('SET', KEYS[2], ARGV[3])
${noteUnposted('KEYS[3]', 'ARGV[1]')}
return 1
`);

/**
 * Creates a promotion, indexes it and appends the first records of its audit
 * stream, all or nothing. KEYS: promotion, all, per environment, active,
 * audit stream, audit head, unposted set. ARGV: json, id, then with records
 * the stream's name, the new head, and per record its sequence number and
 * JSON. Returns 1 when created, 0 when the promotion or its stream exists.
 */
export const CREATE_PROMOTION = new LuaScript(`
if redis.call('EXISTS', KEYS[1], KEYS[6]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[2])
redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
if #ARGV > 2 then
  for i = 5, #ARGV, 2 do
    redis.call('XADD', KEYS[5], ARGV[i] .. '-0', 'record', ARGV[i + 1])
  end
  redis.call('SET', KEYS[6], ARGV[4])
  ${noteUnposted('KEYS[7]', 'ARGV[3]')}
end
return 1
`);

/**
 * Moves a cursor only from the value the caller saw; a stream whose cursor
 * reaches its head is posted. KEYS: cursor, head, unposted set. ARGV: from,
 * to, stream name.
 */
export const ADVANCE_CURSOR = new LuaScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
local head = tonumber(string.match(redis.call('GET', KEYS[2]) or '0', '^%d+'))
if head <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[3], ARGV[3]) end
return 1
`);

/**
 * Notes a promotion's thread unless one stands, and returns the one that
 * stands. The promotion's JSON is not read here: Lua's JSON decoder refuses
 * text Node writes (an unpaired surrogate in a person's words). KEYS: thread,
 * promotion. ARGV: the thread's JSON. Returns nil when there is no promotion.
 */
export const NOTE_THREAD = new LuaScript(`
local noted = redis.call('GET', KEYS[1])
if noted then return noted end
if redis.call('EXISTS', KEYS[2]) == 0 then return nil end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`);

/**
 * Where a nudged job stands. 1: one is waiting (delayed, or in the wait list
 * near its head) — it will run later and read whatever is pending now, so
 * another nudge has nothing to add; only this positive case skips a nudge.
 * 2: one exists but is not seen waiting (it is running, most likely). 0: none.
 * KEYS: BullMQ's deduplication key for the id, its delayed set, its wait list.
 */
export const NUDGE_STATE = new LuaScript(`
local id = redis.call('GET', KEYS[1])
if not id then return 0 end
if redis.call('ZSCORE', KEYS[2], id) then return 1 end
local position = redis.pcall('LPOS', KEYS[3], id, 'MAXLEN', 1000)
if type(position) == 'number' then return 1 end
return 2
`);

/**
 * Replaces a finished promotion by its archived entry: deletes it, its
 * indexes, its audit stream, head, thread and thread cursor, keeps the entry,
 * and appends the record that says so to Baton's own stream — only when the
 * promotion is finished, its stream still ends at the expected head, chat
 * was told all of it, it does not hold its environment, and Baton's stream
 * head is the one the record was chained to. KEYS: promotion, all, per
 * environment, active set, audit stream, audit head, thread cursor, unposted
 * set, archived hash, Baton's stream, its head, the environment's lock, thread.
 * ARGV: id, the expected head ("<count> <hash>"), the count, the archived
 * entry's JSON, Baton's stream name, its expected head ("" for none), its new
 * head, the record's sequence number and JSON, the promotion's stream name.
 * Returns 1 when archived, 0 when the promotion may not be archived (nothing
 * written), and {2, Baton's head} when that stream moved on.
 */
export const ARCHIVE_PROMOTION = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 then return 0 end
if (redis.call('GET', KEYS[6]) or '') ~= ARGV[2] then return 0 end
if tonumber(redis.call('GET', KEYS[7]) or '0') < tonumber(ARGV[3]) then return 0 end
if redis.call('GET', KEYS[12]) == ARGV[1] then return 0 end
local head = redis.call('GET', KEYS[11]) or ''
if head ~= ARGV[6] then return {2, head} end
redis.call('XADD', KEYS[10], ARGV[8] .. '-0', 'record', ARGV[9])
redis.call('SET', KEYS[11], ARGV[7])
${noteUnposted('KEYS[8]', 'ARGV[5]')}
redis.call('DEL', KEYS[1], KEYS[5], KEYS[6], KEYS[7], KEYS[13])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[8], ARGV[10])
redis.call('HSET', KEYS[9], ARGV[1], ARGV[4])
return 1
`);
