// The limiter's Lua scripts. Each runs atomically inside Redis (EVALSHA), so one round trip
// checks every limit a call is subject to and takes from all of them or from none: replicas
// never interleave between a check and its update, which is what makes the limits exact.
//
// Rates (requests or tokens per minute) are GCRA in its continuous-state leaky-bucket form
// (ITU-T I.371 shows the two equivalent): a bucket of capacity `limit` drains at limit/60 000
// units a millisecond; a call of cost c is admitted when level + c <= limit. The state is the
// level and the time it was computed, as "level time" (%.17g round-trips a double exactly). The
// level is in the limit's own units, so a changed limit applies at once with no migration,
// and a full burst of `limit` calls at one instant is admitted exactly, with no float drift.
//
// Concurrency is a sorted set of lease ids scored by their expiry; expired leases (a replica
// that crashed) are dropped before counting, and live ones are renewed by their replica.
//
// The clock is Redis's own (TIME) unless the caller passes one, so replicas with skewed clocks
// still share one timeline. Tests pass a frozen clock so that "exactly N" does not depend on
// how fast the machine is.

/** Common prologue: `now` in ms and the drained level of a rate bucket. */
const PRELUDE = `
local WINDOW = 60000
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function drained(key, limit)
  local v = redis.call('GET', key)
  if not v then return 0, now end
  local sep = string.find(v, ' ', 1, true)
  local level = tonumber(string.sub(v, 1, sep - 1))
  local at = tonumber(string.sub(v, sep + 1))
  if now > at then
    level = level - (now - at) * limit / WINDOW
    at = now
  end
  if level < 0 then level = 0 end
  return level, at
end
local function store(key, level, at)
  redis.call('SET', key, string.format('%.17g %.17g', level, at), 'PX', WINDOW + 1000)
end
`;

/**
 * KEYS: one per check. ARGV: now ('' for Redis TIME), lease id, lease ms, then per check
 * kind ('r' rate, 'c' concurrency), limit, cost.
 * Returns {0, 0} when admitted, else {index of the first refusing check (1-based), retry ms}.
 */
export const ADMIT = `${PRELUDE}
local lease = ARGV[2]
local leaseMs = tonumber(ARGV[3])
local levels = {}
local ats = {}
for i = 1, #KEYS do
  local kind = ARGV[1 + 3 * i]
  local limit = tonumber(ARGV[2 + 3 * i])
  local cost = tonumber(ARGV[3 + 3 * i])
  if kind == 'r' then
    local level, at = drained(KEYS[i], limit)
    -- A single call costlier than the whole limit waits for an empty bucket and then takes it all.
    if cost > limit then cost = limit end
    if level + cost > limit then
      return {i, math.ceil((level + cost - limit) * WINDOW / limit)}
    end
    levels[i] = level + cost
    ats[i] = at
  else
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    if redis.call('ZCARD', KEYS[i]) + cost > limit then
      -- When a slot frees is not known (calls end when they end): suggest a short wait.
      return {i, 1000}
    end
  end
end
for i = 1, #KEYS do
  if levels[i] then
    store(KEYS[i], levels[i], ats[i])
  else
    redis.call('ZADD', KEYS[i], now + leaseMs, lease)
    redis.call('PEXPIRE', KEYS[i], leaseMs + 1000)
  end
end
return {0, 0}
`;

/**
 * The end of a call. KEYS: one per check. ARGV: now, lease id, (unused), then per check kind ('c' frees
 * the lease's slot, 'r' corrects a rate bucket by delta = actual - estimated cost), limit, delta.
 */
export const RELEASE = `${PRELUDE}
local lease = ARGV[2]
for i = 1, #KEYS do
  local kind = ARGV[1 + 3 * i]
  local limit = tonumber(ARGV[2 + 3 * i])
  local delta = tonumber(ARGV[3 + 3 * i])
  if kind == 'c' then
    redis.call('ZREM', KEYS[i], lease)
  elseif delta ~= 0 then
    local level, at = drained(KEYS[i], limit)
    level = level + delta
    if level < 0 then level = 0 end
    store(KEYS[i], level, at)
  end
end
return 0
`;

/** Extends live leases. KEYS: concurrency sets. ARGV: now, lease ms, then one lease id per key. */
export const RENEW = `${PRELUDE}
local leaseMs = tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + leaseMs, ARGV[2 + i])
  redis.call('PEXPIRE', KEYS[i], leaseMs + 1000)
end
return 0
`;
