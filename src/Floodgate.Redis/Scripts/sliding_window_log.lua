-- Sliding window log. State: list of admission times, oldest first; an entry counts while now < t + window.
algorithms[1] = function(key, a, now)
  local limit, window, cost = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 5])
  local count = redis.call('LLEN', key)
  if count > 0 then now = math.max(now, tonumber(redis.call('LINDEX', key, -1))) end
  local head = 0
  while head < count and tonumber(redis.call('LINDEX', key, head)) + window <= now do head = head + 1 end
  local live = count - head
  local reset_after = 0
  if live > 0 then reset_after = tonumber(redis.call('LINDEX', key, -1)) + window - now end
  if cost > limit then return { TOO_COSTLY, limit - live, reset_after, 0 } end
  if live + cost > limit then
    local must_leave = live + cost - limit
    local blocker = tonumber(redis.call('LINDEX', key, head + must_leave - 1))
    return { DENY, limit - live, reset_after, blocker + window - now }
  end
  if cost == 0 then return { ALLOW, limit - live, reset_after, 0, reset_after } end
  return { ALLOW, limit - live - cost, reset_after, 0, window, head, now, cost }
end

-- Drops the entries that left the window, then logs the admission once per unit of cost.
writers[1] = function(key, d)
  if d[6] > 0 then redis.call('LTRIM', key, d[6], -1) end
  local stamp = fmt(d[7])
  local entries = {}
  for i = 1, d[8] do entries[i] = stamp end
  for i = 1, #entries, 1000 do
    redis.call('RPUSH', key, unpack(entries, i, math.min(i + 999, #entries)))
  end
  redis.call('PEXPIRE', key, ttl_ms(d[5]))
end
