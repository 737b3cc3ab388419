-- The identity ceiling of one address, shared by every instance: the unverified identities it presented in its
-- window, atomically. Same rules as the ceiling a single instance keeps (IdentityGuard).
-- KEYS[1]: the address's set of identities; the member '!' (never an identity) marks an address over its ceiling.
-- ARGV[1]: the identity. ARGV[2]: the ceiling (at least 1). ARGV[3]: the window, milliseconds.
-- The window starts with the address's first identity (the set's PEXPIRE) and is kept when the address goes over.
-- Reply: { 1 when the identity stands for itself, else 0; milliseconds left in the window }.
local key = KEYS[1]
if redis.call('SISMEMBER', key, '!') == 1 then
  return { 0, redis.call('PTTL', key) }
end

if redis.call('SISMEMBER', key, ARGV[1]) == 1 then
  return { 1, redis.call('PTTL', key) }
end

local count = redis.call('SCARD', key)
if count >= tonumber(ARGV[2]) then
  -- Over the ceiling: every identity of the address is the address until the window ends, the earlier ones included.
  local left = redis.call('PTTL', key)
  if left < 1 then
    left = tonumber(ARGV[3])
  end

  redis.call('DEL', key)
  redis.call('SADD', key, '!')
  redis.call('PEXPIRE', key, left)
  return { 0, left }
end

redis.call('SADD', key, ARGV[1])
if count == 0 then
  redis.call('PEXPIRE', key, ARGV[3])
end

return { 1, redis.call('PTTL', key) }
