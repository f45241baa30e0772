/** The Lua scripts of redis-outbox.ts, and the keys they share. */

/*
 * Keys (P = the prefix redis-outbox.ts passes as ARGV[1]): P due (sorted set: person → when
 * their queue may next be claimed, held people and empty queues left out), P person:<name> (hash:
 * sealed key, held, lease, failures, sending), P queue:<name> (sorted set: queued id → time
 * played), P mine:<name> (sorted set: id → when queued), P entry:<id> (hash: `data`, the scrobble
 * as the person sent it, as JSON; `state`, `reason`, `unanswered`, `tries`, `settledAt`), P people
 * (set of names). Every change that must not interleave with another instance's is one script,
 * which Redis runs alone.
 *
 * No script decodes JSON. Redis's cjson refuses text that JavaScript writes happily (a lone
 * surrogate such as \udc00), and a script that stops part-way keeps what it already wrote: one
 * such scrobble once left its person at the head of the line for good, and no one's scrobbles
 * went out. So a scrobble's text is an opaque string to the scripts, its delivery state lives in
 * plain hash fields, and every list a script is handed is a flat run of arguments.
 */

/*
 * Leases and due times are on Redis's own clock (TIME), as the call budget's are: an instance
 * whose clock runs ahead would otherwise see another's lease as run out, and send its scrobbles
 * a second time. The instance's own time (the now argument) is only recorded, never compared.
 */
const REDIS_NOW = "local t = redis.call('TIME'); local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * ARGV: prefix, user, sealed key, now, most waiting, then id, timestamp, JSON for each scrobble.
 * Returns {1} when queued, or {0, waiting} with nothing written when they would pass the most.
 */
export const ADD = `${REDIS_NOW}
local p, user, now, most = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local waiting = redis.call('ZCARD', p .. 'queue:' .. user)
if waiting + (#ARGV - 5) / 3 > most then return {0, waiting} end
local pk = p .. 'person:' .. user
redis.call('HSET', pk, 'key', ARGV[3])
redis.call('SADD', p .. 'people', user)
for i = 6, #ARGV, 3 do
  redis.call('HSET', p .. 'entry:' .. ARGV[i], 'data', ARGV[i + 2], 'state', 'queued', 'unanswered', 0, 'tries', 0)
  redis.call('ZADD', p .. 'queue:' .. user, tonumber(ARGV[i + 1]), ARGV[i])
  redis.call('ZADD', p .. 'mine:' .. user, now, ARGV[i])
end
if redis.call('HGET', pk, 'held') ~= '1' then redis.call('ZADD', p .. 'due', 'NX', clock, user) end
return {1}`;

/**
 * ARGV: prefix, now (unused: Redis's clock decides), lease ms, token, max, wanted user or ''. Returns {user, sealed key, failures,
 * then id, data, state, reason, unanswered, tries for each scrobble} or nil. The lease and the
 * new due time are written before anything else is read, so should the rest fail, this person has
 * still stepped out of the head of the line.
 */
export const CLAIM = `${REDIS_NOW}
local p, now, leaseMs, token, max, wanted = ARGV[1], clock, tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6]
local user
if wanted ~= '' then
  local pk = p .. 'person:' .. wanted
  local h = redis.call('HMGET', pk, 'held', 'lease')
  local due = redis.call('ZSCORE', p .. 'due', wanted)
  if h[1] == '1' or not due then return nil end
  if tonumber(due) > now and h[2] then return nil end
  user = wanted
else
  local r = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'LIMIT', 0, 1)
  if #r == 0 then return nil end
  user = r[1]
end
local pk = p .. 'person:' .. user
local ids = redis.call('ZRANGE', p .. 'queue:' .. user, 0, max - 1)
if #ids == 0 then
  redis.call('ZREM', p .. 'due', user)
  return nil
end
redis.call('HSET', pk, 'lease', token)
redis.call('ZADD', p .. 'due', now + leaseMs, user)
local sending = redis.call('HGET', pk, 'sending')
if sending then
  for id in string.gmatch(sending, '[%w%-]+') do
    local ek = p .. 'entry:' .. id
    if redis.call('HGET', ek, 'state') == 'queued' then redis.call('HINCRBY', ek, 'unanswered', 1) end
  end
  redis.call('HDEL', pk, 'sending')
end
local out = {user, redis.call('HGET', pk, 'key'), redis.call('HGET', pk, 'failures') or '0'}
for _, id in ipairs(ids) do
  local e = redis.call('HMGET', p .. 'entry:' .. id, 'data', 'state', 'reason', 'unanswered', 'tries')
  table.insert(out, id)
  for i = 1, 5 do table.insert(out, e[i] or '') end
end
return out`;

/** ARGV: prefix, user, token, lease ms, sending ids (space-separated) or ''. Returns 1 while the lease is ours. */
export const RENEW = `${REDIS_NOW}
local p, user = ARGV[1], ARGV[2]
local pk = p .. 'person:' .. user
if redis.call('HGET', pk, 'lease') ~= ARGV[3] then return 0 end
redis.call('ZADD', p .. 'due', clock + tonumber(ARGV[4]), user)
if ARGV[5] ~= '' then redis.call('HSET', pk, 'sending', ARGV[5]) end
return 1`;

/**
 * ARGV: prefix, user, token, now, keep ms, failures, hold ('1'/'0'), retry in ms or '', sent ('1'/'0'),
 * unanswered ('1'/'0'), has reason ('1'/'0'), reason, then id, settled state or '', its reason for
 * each scrobble of the claim.
 */
export const FINISH = `${REDIS_NOW}
local p, user, token, now, keepMs = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local failures, hold, retryIn, sent, unanswered, hasReason, reason = ARGV[6], ARGV[7] == '1', tonumber(ARGV[8]), ARGV[9] == '1', ARGV[10] == '1', ARGV[11] == '1', ARGV[12]
local pk = p .. 'person:' .. user
for i = 13, #ARGV, 3 do
  local id, ending, endReason = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local ek = p .. 'entry:' .. id
  local state = redis.call('HGET', ek, 'state')
  if not state then
    if ending ~= '' then redis.call('ZREM', p .. 'queue:' .. user, id) end
  elseif state == 'queued' then
    if sent then redis.call('HINCRBY', ek, 'tries', 1) end
    if ending ~= '' then
      redis.call('HSET', ek, 'state', ending, 'reason', endReason, 'settledAt', now)
      redis.call('ZREM', p .. 'queue:' .. user, id)
      redis.call('PEXPIRE', ek, keepMs)
    else
      if unanswered then redis.call('HINCRBY', ek, 'unanswered', 1) end
      if hasReason then redis.call('HSET', ek, 'reason', reason) end
    end
  end
end
if redis.call('HGET', pk, 'lease') == token then
  redis.call('HDEL', pk, 'lease', 'sending')
  redis.call('HSET', pk, 'failures', failures)
  if hold then
    redis.call('HSET', pk, 'held', '1')
    redis.call('ZREM', p .. 'due', user)
  elseif redis.call('ZCARD', p .. 'queue:' .. user) > 0 then
    redis.call('ZADD', p .. 'due', clock + (retryIn or 0), user)
  else
    redis.call('ZREM', p .. 'due', user)
  end
end`;

/** ARGV: prefix, user, sealed key, now (unused: Redis's clock decides). */
export const RESUME = `${REDIS_NOW}
local p, user, now = ARGV[1], ARGV[2], clock
local pk = p .. 'person:' .. user
if redis.call('EXISTS', pk) == 0 then return end
redis.call('HSET', pk, 'key', ARGV[3], 'held', '0', 'failures', '0')
if redis.call('ZCARD', p .. 'queue:' .. user) > 0 then
  if redis.call('HGET', pk, 'lease') then redis.call('ZADD', p .. 'due', 'NX', now, user)
  else redis.call('ZADD', p .. 'due', 'LT', now, user) end
end`;

/**
 * Moves one scrobble kept by an earlier version (P item:<id>, the whole scrobble as JSON) into
 * the entry layout. JavaScript reads and splits the JSON; this only writes, and only once.
 * ARGV: prefix, id, data, state, reason, unanswered, tries, settledAt or ''.
 */
export const ADOPT = `local p, id = ARGV[1], ARGV[2]
local ik, ek = p .. 'item:' .. id, p .. 'entry:' .. id
if redis.call('EXISTS', ek) == 1 or redis.call('EXISTS', ik) == 0 then return 0 end
local ttl = redis.call('PTTL', ik)
redis.call('HSET', ek, 'data', ARGV[3], 'state', ARGV[4], 'reason', ARGV[5], 'unanswered', ARGV[6], 'tries', ARGV[7])
if ARGV[8] ~= '' then redis.call('HSET', ek, 'settledAt', ARGV[8]) end
if ttl > 0 then redis.call('PEXPIRE', ek, ttl) end
redis.call('DEL', ik)
return 1`;

/**
 * ARGV: prefix. Returns {queued, held, when the oldest front of a moving queue was queued or ''}:
 * one pass over the people, in Redis. The front's queued time is its score in P mine:<name>, so
 * no JSON is read.
 */
export const STATS = `local p = ARGV[1]
local queued, held, oldest = 0, 0, nil
for _, user in ipairs(redis.call('SMEMBERS', p .. 'people')) do
  local n = redis.call('ZCARD', p .. 'queue:' .. user)
  if n > 0 then
    if redis.call('HGET', p .. 'person:' .. user, 'held') == '1' then
      held = held + n
    else
      queued = queued + n
      local front = redis.call('ZRANGE', p .. 'queue:' .. user, 0, 0)[1]
      local at = tonumber(redis.call('ZSCORE', p .. 'mine:' .. user, front))
      if at and (oldest == nil or at < oldest) then oldest = at end
    end
  end
end
return {queued, held, oldest and string.format('%d', oldest) or ''}`;
