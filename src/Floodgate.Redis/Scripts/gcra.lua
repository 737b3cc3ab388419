-- GCRA. State: string = theoretical arrival time.
algorithms[4] = function(key, p, now, consume)
  local capacity, interval, cost = p[3], p[4], p[5]
  local tolerance = interval * capacity
  local tat = math.max(tonumber(redis.call('GET', key)) or 0, now)
  local backlog = tat - now
  local available = math.floor((tolerance - backlog) / interval)
  if cost > capacity then return { TOO_COSTLY, available, backlog, 0 } end
  local new_tat = tat + cost * interval
  local allow_at = new_tat - tolerance
  if allow_at > now then return { DENY, available, backlog, allow_at - now } end
  local reset_after = tat - now
  if consume and cost > 0 then
    redis.call('SET', key, fmt(new_tat))
    expire_in(key, new_tat - now)
    reset_after = new_tat - now
  end
  return { ALLOW, available - cost, reset_after, 0 }
end
