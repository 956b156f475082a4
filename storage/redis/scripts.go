package redis

import goredis "github.com/redis/go-redis/v9"

// The Lua scripts. Each declares every key it touches in KEYS (Cluster
// requires it). Times arrive as microsecond numbers (comparisons) and
// RFC 3339 strings (stored); Lua never does arithmetic on nanoseconds,
// which a float64 cannot hold exactly.
//
// Outbox entries are split in two hash fields: the payload (producer's
// JSON, never decoded in Lua, so the activity stays byte for byte) and a
// small state object of strings and one small integer that Lua may decode
// and re-encode with cjson. Result codes: 1 done, 0 not found, -1 conflict.

// KEYS: payload, state, due. ARGV: id, payload, state, NotBefore µs.
var enqueueScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return 1
`)

// KEYS: payload, state, due, leased. ARGV: now µs, max, owner, lease end
// µs, lease end, now. Walks due (pending and leased entries by NotBefore)
// up to now, skipping entries whose lease has not expired, and returns
// id, payload, state for each entry it leased.
var leaseScript = goredis.NewScript(`
local now, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local out, n, offset, batch = {}, 0, 0, 100
while n < max do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', offset, batch)
  for _, id in ipairs(ids) do
    local lease_end = redis.call('ZSCORE', KEYS[4], id)
    if not lease_end or tonumber(lease_end) <= now then
      local st = cjson.decode(redis.call('HGET', KEYS[2], id))
      st.s, st.lo, st.lu, st.ua = 'leased', ARGV[3], ARGV[5], ARGV[6]
      st.a = (tonumber(st.a) or 0) + 1
      local enc = cjson.encode(st)
      redis.call('HSET', KEYS[2], id, enc)
      redis.call('ZADD', KEYS[4], ARGV[4], id)
      out[#out + 1] = id
      out[#out + 1] = redis.call('HGET', KEYS[1], id)
      out[#out + 1] = enc
      n = n + 1
      if n == max then break end
    end
  end
  if #ids < batch then break end
  offset = offset + #ids
end
return out
`)

// KEYS: payload, state, due, leased, delivered, failed. ARGV: id, owner,
// outcome (delivered, failed or retry), fields to set (JSON object of
// strings), score (settlement µs, or the new NotBefore µs for retry).
// Returns {code, state, owner}.
var settleScript = goredis.NewScript(`
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return {0, '', ''} end
local st = cjson.decode(raw)
if st.s ~= 'leased' or st.lo ~= ARGV[2] then return {-1, st.s or '', st.lo or ''} end
for k, v in pairs(cjson.decode(ARGV[4])) do st[k] = v end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(st))
redis.call('ZREM', KEYS[4], ARGV[1])
if ARGV[3] == 'retry' then
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
  local settled = KEYS[5]
  if ARGV[3] == 'failed' then settled = KEYS[6] end
  redis.call('ZADD', settled, ARGV[5], ARGV[1])
end
return {1, st.s, st.lo}
`)

// KEYS: payload, state, delivered, failed. ARGV: before µs, max. Deletes up
// to max entries settled before the time; returns how many.
var purgeScript = goredis.NewScript(`
local n, max = 0, tonumber(ARGV[2])
for i = 3, 4 do
  if n >= max then break end
  local ids = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[1], 'LIMIT', 0, max - n)
  for _, id in ipairs(ids) do
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[i], id)
  end
  n = n + #ids
end
return n
`)

// KEYS: lock. ARGV: owner, now µs, end µs, gc ms.
var acquireScript = goredis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'owner', 'until')
if cur[1] and cur[1] ~= ARGV[1] and tonumber(cur[2]) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// KEYS: lock. ARGV: owner.
var releaseScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// KEYS: run. ARGV: owner, now µs, end µs, gc ms. A claim without done
// expires (Redis drops it after the grace); done is kept for good.
var startRunScript = goredis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'owner', 'until', 'done')
if cur[3] == '1' then return 0 end
if cur[1] and cur[1] ~= ARGV[1] and tonumber(cur[2]) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// KEYS: run. ARGV: owner, now.
var finishRunScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], 'done') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'done', '1', 'doneBy', ARGV[1], 'doneAt', ARGV[2])
redis.call('PERSIST', KEYS[1])
return 1
`)

// KEYS: seen. ARGV: now µs, end µs, gc ms.
var markScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// Docs: one hash per collection, field id, value "<version>:<bytes>".

// KEYS: collection. ARGV: id, expected version (-1 any, 0 absent), value.
// Returns {code, version}: the new version, or the current one on conflict.
var putDocScript = goredis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local v = 0
if cur then v = tonumber(string.match(cur, '^(%d+):')) end
local expect = tonumber(ARGV[2])
if expect ~= -1 and expect ~= v then return {-1, v} end
v = v + 1
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:', v) .. ARGV[3])
return {1, v}
`)

// KEYS: collection. ARGV: id, expected version (-1 any).
var deleteDocScript = goredis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {0, 0} end
local v = tonumber(string.match(cur, '^(%d+):'))
local expect = tonumber(ARGV[2])
if expect ~= -1 and expect ~= v then return {-1, v} end
redis.call('HDEL', KEYS[1], ARGV[1])
return {1, v}
`)

// Logs: a sorted set with every score 0, ordered by member, which is the
// entry id (19-digit nanoseconds, '-', 20-digit sequence) followed by the
// data; the sequence comes from a counter beside it.

// KEYS: entries, seq. ARGV: 19-digit nanoseconds, data. Returns the id.
var appendLogScript = goredis.NewScript(`
local id = ARGV[1] .. '-' .. string.format('%020d', redis.call('INCR', KEYS[2]))
redis.call('ZADD', KEYS[1], 0, id .. ARGV[2])
return id
`)
