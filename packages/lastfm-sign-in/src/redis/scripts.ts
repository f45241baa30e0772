/** The Lua scripts of the Redis budget and counters: each checks and changes its keys in one atomic step. */
import { SLOT_WINDOW_MS } from '../core/budget';

/*
 * The scripts read Redis's own clock (TIME), so instances whose clocks disagree still count one
 * second alike. Each runs atomically: two instances can never both take the last slot.
 */
const NOW_MS = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * KEYS: slots (sorted set: slot → when it frees), pause, signed-out slots (the same, for the
 * slots sign-in calls hold). ARGV: slot id, limit, lease ms, signed-out share (0: the call is
 * not a signed-out one). Returns {taken, retryInMs, pausedMs}.
 */
export const TAKE = `${NOW_MS}
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, paused - now, paused - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[2])
if n >= limit then
  local needed = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  return {0, math.max(1, tonumber(needed[2]) - now), 0}
end
local share = tonumber(ARGV[4])
if share > 0 then
  local out = redis.call('ZCARD', KEYS[3])
  if out >= share then
    local needed = redis.call('ZRANGE', KEYS[3], out - share, out - share, 'WITHSCORES')
    return {0, math.max(1, tonumber(needed[2]) - now), 0}
  end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]) + ${SLOT_WINDOW_MS})
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + ${SLOT_WINDOW_MS})
return {1, 0, 0}`;

/** KEYS: slots, signed-out slots. ARGV: slot id. The answered call's slot frees one window from now. */
export const RELEASE = `${NOW_MS}
redis.call('ZADD', KEYS[1], 'XX', now + ${SLOT_WINDOW_MS}, ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', now + ${SLOT_WINDOW_MS}, ARGV[1])`;

/** KEYS: pause. ARGV: ms. Never shortens a pause already set. */
export const BACK_OFF = `${NOW_MS}
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1])) end`;

/** KEYS: counter. ARGV: max, window ms. A fixed window from the first attempt; returns ms to wait, 0 when allowed. */
export const ATTEMPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return math.max(1, redis.call('PTTL', KEYS[1]))
end
return 0`;

/**
 * KEYS: bucket (hash: t tokens, at ms). ARGV: burst, every ms. A token bucket on Redis's clock,
 * the arithmetic of MemoryRateLimiter; returns ms to wait, 0 when a token was taken. A refusal
 * changes nothing, so asking again early does not push the wait further out.
 */
export const RATE = `${NOW_MS}
local burst = tonumber(ARGV[1])
local every = tonumber(ARGV[2])
local stored = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = burst
if stored[1] then tokens = math.min(burst, tonumber(stored[1]) + (now - tonumber(stored[2])) / every) end
if tokens < 1 then return math.max(1, math.ceil((1 - tokens) * every)) end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) * every)))
return 0`;

/** KEYS: lock. ARGV: owner. Deletes the lock only while it is still the owner's (compare and delete). */
export const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
