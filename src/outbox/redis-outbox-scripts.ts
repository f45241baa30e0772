/** The Lua scripts of redis-outbox.ts, and the keys they share. */

/*
 * Keys (P = the prefix redis-outbox.ts passes as ARGV[1]): P due (sorted set: person → when
 * their queue may next be claimed, held people and empty queues left out), P person:<name> (hash:
 * sealed key, held, lease, failures, sending), P queue:<name> (sorted set: queued id → time
 * played), P mine:<name> (sorted set: id → when queued), P item:<id> (the scrobble as JSON),
 * P people (set of names). Every change that must not interleave with another instance's is one
 * script, which Redis runs alone.
 */

/** ARGV: prefix, user, sealed key, now, then id, timestamp, JSON for each scrobble. */
export const ADD = `local p, user, now = ARGV[1], ARGV[2], tonumber(ARGV[4])
local pk = p .. 'person:' .. user
redis.call('HSET', pk, 'key', ARGV[3])
redis.call('SADD', p .. 'people', user)
for i = 5, #ARGV, 3 do
  redis.call('SET', p .. 'item:' .. ARGV[i], ARGV[i + 2])
  redis.call('ZADD', p .. 'queue:' .. user, tonumber(ARGV[i + 1]), ARGV[i])
  redis.call('ZADD', p .. 'mine:' .. user, now, ARGV[i])
end
if redis.call('HGET', pk, 'held') ~= '1' then redis.call('ZADD', p .. 'due', 'NX', now, user) end`;

/** ARGV: prefix, now, lease ms, token, max, wanted user or ''. Returns {user, sealed key, failures, item JSON...} or nil. */
export const CLAIM = `local p, now, leaseMs, token, max, wanted = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6]
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
local sending = redis.call('HGET', pk, 'sending')
if sending then
  for _, id in ipairs(cjson.decode(sending)) do
    local raw = redis.call('GET', p .. 'item:' .. id)
    if raw then
      local item = cjson.decode(raw)
      if item.state == 'queued' then
        item.unanswered = item.unanswered + 1
        redis.call('SET', p .. 'item:' .. id, cjson.encode(item), 'KEEPTTL')
      end
    end
  end
  redis.call('HDEL', pk, 'sending')
end
redis.call('HSET', pk, 'lease', token)
redis.call('ZADD', p .. 'due', now + leaseMs, user)
local out = {user, redis.call('HGET', pk, 'key'), redis.call('HGET', pk, 'failures') or '0'}
for _, id in ipairs(ids) do table.insert(out, redis.call('GET', p .. 'item:' .. id)) end
return out`;

/** ARGV: prefix, user, token, due at, sending ids JSON or ''. Returns 1 while the lease is ours. */
export const RENEW = `local p, user = ARGV[1], ARGV[2]
local pk = p .. 'person:' .. user
if redis.call('HGET', pk, 'lease') ~= ARGV[3] then return 0 end
redis.call('ZADD', p .. 'due', tonumber(ARGV[4]), user)
if ARGV[5] ~= '' then redis.call('HSET', pk, 'sending', ARGV[5]) end
return 1`;

/** ARGV: prefix, user, token, now, keep ms, outcome JSON (ids, settled, sent, unanswered, reason?, retryAt?, hold, failures). */
export const FINISH = `local p, user, token, now, keepMs = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local o = cjson.decode(ARGV[6])
local pk = p .. 'person:' .. user
for _, id in ipairs(o.ids) do
  local raw = redis.call('GET', p .. 'item:' .. id)
  if raw then
    local item = cjson.decode(raw)
    if item.state == 'queued' then
      if o.sent then item.tries = item.tries + 1 end
      local ending = o.settled[id]
      if ending then
        item.state = ending.state
        item.reason = ending.reason
        item.settledAt = now
        redis.call('ZREM', p .. 'queue:' .. user, id)
        redis.call('SET', p .. 'item:' .. id, cjson.encode(item), 'PX', keepMs)
      else
        if o.unanswered then item.unanswered = item.unanswered + 1 end
        if o.reason then item.reason = o.reason end
        redis.call('SET', p .. 'item:' .. id, cjson.encode(item), 'KEEPTTL')
      end
    end
  end
end
if redis.call('HGET', pk, 'lease') == token then
  redis.call('HDEL', pk, 'lease', 'sending')
  redis.call('HSET', pk, 'failures', o.failures)
  if o.hold then
    redis.call('HSET', pk, 'held', '1')
    redis.call('ZREM', p .. 'due', user)
  elseif redis.call('ZCARD', p .. 'queue:' .. user) > 0 then
    redis.call('ZADD', p .. 'due', o.retryAt or now, user)
  else
    redis.call('ZREM', p .. 'due', user)
  end
end`;

/** ARGV: prefix, user, sealed key, now. */
export const RESUME = `local p, user, now = ARGV[1], ARGV[2], tonumber(ARGV[4])
local pk = p .. 'person:' .. user
if redis.call('EXISTS', pk) == 0 then return end
redis.call('HSET', pk, 'key', ARGV[3], 'held', '0', 'failures', '0')
if redis.call('ZCARD', p .. 'queue:' .. user) > 0 then
  if redis.call('HGET', pk, 'lease') then redis.call('ZADD', p .. 'due', 'NX', now, user)
  else redis.call('ZADD', p .. 'due', 'LT', now, user) end
end`;

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
