-- GCRA. State: string = theoretical arrival time.
algorithms[4] = function(key, a, now)
  local capacity, interval, cost = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  local tolerance = interval * capacity
  local tat = math.max(tonumber(redis.call('GET', key)) or 0, now)
  local backlog = tat - now
  local available = math.floor((tolerance - backlog) / interval)
  if cost > capacity then return { TOO_COSTLY, available, backlog, 0 } end
  local new_tat = tat + cost * interval
  local allow_at = new_tat - tolerance
  if allow_at > now then return { DENY, available, backlog, allow_at - now } end
  local reset_after = tat - now
  if cost == 0 then return { ALLOW, available, reset_after, 0, reset_after } end
  return { ALLOW, available - cost, reset_after, 0, new_tat - now, new_tat }
end

writers[4] = function(key, d)
  redis.call('SET', key, fmt(d[6]), 'PX', ttl_ms(d[5]))
end
