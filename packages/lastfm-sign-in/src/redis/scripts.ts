/** The Lua scripts of the Redis budget and counters: each checks and changes its keys in one atomic step. */
import { SLOT_WINDOW_MS } from '../core/budget';

/*
 * The scripts read Redis's own clock (TIME), so instances whose clocks disagree still count one
 * second alike. Each runs atomically: two instances can never both take the last slot.
 */
const NOW_MS = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * KEYS: slots (sorted set: slot → when it frees), pause, signed-out slots (the same, for the
 * slots sign-in calls hold), last background grant, until when a refused call waits ahead of
 * background ones, recent answer time. ARGV: slot id, limit, lease ms, signed-out share (0: the
 * call is not a signed-out one), background (1 or 0), background spacing ms, and perSecond when
 * the spacing follows the answer time (counting from the answer; else 0). Returns {taken,
 * retryInMs, pausedMs}.
 * The rules of MemoryBudget.take, in the same order.
 */
export const TAKE = `${NOW_MS}
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, paused - now, paused - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local lease = tonumber(ARGV[3])
local background = ARGV[5] == '1'
local spacing = tonumber(ARGV[6])
if ARGV[7] ~= '0' then
  spacing = math.ceil((${SLOT_WINDOW_MS} + tonumber(redis.call('GET', KEYS[6]) or '0')) / tonumber(ARGV[7]))
end
if background then
  local waiting = tonumber(redis.call('GET', KEYS[5]) or '0')
  local last = redis.call('GET', KEYS[4])
  local wait = waiting - now
  if last then wait = math.max(wait, tonumber(last) + spacing - now) end
  if wait > 0 then return {0, wait, 0} end
end
local share = tonumber(ARGV[4])
if share > 0 then
  local out = redis.call('ZCARD', KEYS[3])
  if out >= share then
    local needed = redis.call('ZRANGE', KEYS[3], out - share, out - share, 'WITHSCORES')
    return {0, math.max(1, tonumber(needed[2]) - now), 0}
  end
end
local n = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[2])
if n >= limit then
  local needed = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  local retry = math.max(1, tonumber(needed[2]) - now)
  if not background then
    local untilMs = now + retry + spacing
    if untilMs > tonumber(redis.call('GET', KEYS[5]) or '0') then redis.call('SET', KEYS[5], untilMs, 'PX', retry + spacing) end
  end
  return {0, retry, 0}
end
if share > 0 then
  redis.call('ZADD', KEYS[3], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[3], lease + ${SLOT_WINDOW_MS})
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease + ${SLOT_WINDOW_MS})
if background then redis.call('SET', KEYS[4], now, 'PX', spacing) end
return {1, 0, 0}`;

/**
 * KEYS: slots, signed-out slots, recent answer time. ARGV: slot id, ms, lease ms when this is the
 * answer of a slot counted from the answer (else 0). The slot frees `ms` from now, or sooner if it
 * already would (LT); an answer moves the recent answer time a fifth of the way (answerTime).
 */
export const FREE_BY = `${NOW_MS}
local lease = tonumber(ARGV[3])
if lease > 0 then
  local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if score then
    local held = math.max(0, now - (tonumber(score) - lease))
    local previous = redis.call('GET', KEYS[3])
    if previous then held = math.floor(tonumber(previous) * 0.8 + held * 0.2 + 0.5) end
    redis.call('SET', KEYS[3], held, 'PX', 60000)
  end
end
redis.call('ZADD', KEYS[1], 'XX', 'LT', now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', 'LT', now + tonumber(ARGV[2]), ARGV[1])`;

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
