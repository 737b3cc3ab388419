-- Sliding window log. State: list of admission times, oldest first; an entry counts while now < t + window.
algorithms[1] = function(key, p, now, consume)
  local limit, window, cost = p[1], p[2], p[5]
  local count = redis.call('LLEN', key)
  if count > 0 then now = math.max(now, tonumber(redis.call('LINDEX', key, -1))) end
  local head = 0
  while head < count and tonumber(redis.call('LINDEX', key, head)) + window <= now do head = head + 1 end
  if consume and head > 0 then
    redis.call('LTRIM', key, head, -1)
    count = count - head
    head = 0
  end
  local live = count - head
  local reset_after = 0
  if live > 0 then reset_after = tonumber(redis.call('LINDEX', key, -1)) + window - now end
  if cost > limit then return { TOO_COSTLY, limit - live, reset_after, 0 } end
  if live + cost > limit then
    local must_leave = live + cost - limit
    local blocker = tonumber(redis.call('LINDEX', key, head + must_leave - 1))
    return { DENY, limit - live, reset_after, blocker + window - now }
  end
  if consume and cost > 0 then
    local entries = {}
    local stamp = fmt(now)
    for i = 1, cost do entries[i] = stamp end
    for i = 1, #entries, 1000 do
      redis.call('RPUSH', key, unpack(entries, i, math.min(i + 999, #entries)))
    end
    expire_in(key, window)
    reset_after = window
  end
  return { ALLOW, limit - live - cost, reset_after, 0 }
end
