/**
 * Lua scripts that make read-check-write steps atomic in Redis, whichever
 * replica or worker runs them.
 */

/**
 * Compare-and-set of a promotion's JSON, matched by SHA-1 so the old value
 * need not travel again; keeps the set of unfinished promotions in step.
 * KEYS: promotion, active set. ARGV: SHA-1 of the expected JSON, next JSON, id, terminal(0|1).
 */
export const CAS_PROMOTION = `
local current = redis.call('GET', KEYS[1])
if not current or redis.sha1hex(current) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] == '1' then redis.call('SREM', KEYS[2], ARGV[3]) else redis.call('SADD', KEYS[2], ARGV[3]) end
return 1
`;

/** Takes a lock if free; returns the holder. KEYS: lock. ARGV: candidate. */
export const ACQUIRE_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return ARGV[1] end
return redis.call('GET', KEYS[1])
`;

/** Deletes a lock only when the caller holds it. KEYS: lock. ARGV: holder. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Appends to an audit stream only when its head is still the one the record
 * was chained to. KEYS: stream, head. ARGV: expected head ("" for none), new head, record JSON, its sequence number (the entry id).
 */
export const APPEND_AUDIT = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[1], ARGV[4] .. '-0', 'record', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

/** Creates a promotion and indexes it, all or nothing. KEYS: promotion, all, per environment, active. ARGV: json, id. */
export const CREATE_PROMOTION = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[2])
redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
return 1
`;

/** Moves a cursor only from the value the caller saw. KEYS: cursor. ARGV: from, to. */
export const ADVANCE_CURSOR = `
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;
