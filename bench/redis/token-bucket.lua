-- The fixed reference of bench/redis/run.sh: a minimal token bucket, the least a Redis-side limiter does per decision
-- (one HMGET, arithmetic, one HSET, one PEXPIRE). Not Floodgate's script and never changed with it, so that the
-- reference stays comparable from one run (and one version of the store) to the next.
-- KEYS[1]  the bucket (hash: t = tokens, ts = time of the last refill, ms)
-- ARGV     capacity, tokens added per ms, now (ms), cost, time to live (ms)
-- Reply    1 when the cost was taken, 0 when the bucket held too few tokens
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local capacity = tonumber(ARGV[1])
local now = tonumber(ARGV[3])
local tokens = tonumber(state[1]) or capacity
local last = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - last) * tonumber(ARGV[2]))
local cost = tonumber(ARGV[4])
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return allowed
