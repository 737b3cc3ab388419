-- Token bucket. State: hash { s = time of the record, t = tokens spent × window (0 = full bucket) }.
-- Tokens are kept multiplied by the window in microseconds, so a refill of elapsed × count / window tokens is the
-- whole number elapsed × count and nothing drifts (see TokenBucket.cs).
algorithms[2] = function(key, a, now)
  local count, window, capacity, cost = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 5])
  local state = redis.call('HMGET', key, 's', 't')
  local stamp = tonumber(state[1]) or 0
  now = math.max(now, stamp)
  local full = capacity * window
  local spent = math.max((tonumber(state[2]) or 0) - (now - stamp) * count, 0.0)
  local needed = cost * window

  local function until_full(s)
    if s <= 0 then return 0 end
    return math.ceil(s / count)
  end

  if cost > capacity then return { TOO_COSTLY, math.floor((full - spent) / window), until_full(spent), 0 } end
  if spent + needed > full then
    local wait = math.ceil((spent + needed - full) / count) + 1
    return { DENY, math.floor((full - spent) / window), until_full(spent), wait }
  end
  local spent_after = spent + needed
  local reset_after = until_full(spent)
  if cost == 0 then return { ALLOW, math.floor((full - spent_after) / window), reset_after, 0, reset_after } end
  return { ALLOW, math.floor((full - spent_after) / window), reset_after, 0, until_full(spent_after), now, spent_after }
end

writers[2] = function(key, d)
  redis.call('HSET', key, 's', fmt(d[6]), 't', fmt(d[7]))
  redis.call('PEXPIRE', key, ttl_ms(d[5]))
end
