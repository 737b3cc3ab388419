-- Token bucket. State: hash { s = time of the record, t = tokens spent (0 = full bucket) }.
algorithms[2] = function(key, p, now, consume)
  local capacity, rate, cost = p[3], p[5], p[6]
  local state = redis.call('HMGET', key, 's', 't')
  local elapsed = math.max(now - (tonumber(state[1]) or 0), 0)
  local spent = math.max((tonumber(state[2]) or 0) - elapsed * rate, 0.0)
  local tokens = capacity - spent

  local function until_full(s)
    if s <= 0 then return 0 end
    return math.ceil(s / rate)
  end

  if cost > capacity then return { TOO_COSTLY, math.floor(tokens), until_full(spent), 0 } end
  if tokens < cost then
    local wait = math.ceil((cost - tokens) / rate) + 1
    return { DENY, math.floor(tokens), until_full(spent), wait }
  end
  local spent_after = spent + cost
  if consume and cost > 0 then
    redis.call('HSET', key, 's', fmt(now), 't', fmt(spent_after))
    expire_in(key, until_full(spent_after))
  end
  return { ALLOW, math.floor(capacity - spent_after), until_full(spent_after), 0 }
end
