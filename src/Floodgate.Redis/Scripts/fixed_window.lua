-- Fixed window. State: hash { s = window start, c = count }.
algorithms[3] = function(key, a, now)
  local limit, window, cost = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 5])
  local state = redis.call('HMGET', key, 's', 'c')
  -- A request stamped before the recorded window counts in it (see FixedWindow.cs).
  now = math.max(now, tonumber(state[1]) or 0)
  local window_start = now - math.fmod(now, window)
  local window_end = window_start + window
  local count = 0
  if tonumber(state[1]) == window_start then count = tonumber(state[2]) or 0 end
  local reset_after = 0
  if count > 0 then reset_after = window_end - now end
  if cost > limit then return { TOO_COSTLY, limit - count, reset_after, 0 } end
  if count + cost > limit then return { DENY, limit - count, reset_after, window_end - now } end
  if cost == 0 then return { ALLOW, limit - count, reset_after, 0, reset_after } end
  return { ALLOW, limit - count - cost, reset_after, 0, window_end - now, window_start, count + cost, count == 0 }
end

-- The key lives until its window ends: its expiry is set by the window's first write and holds for the others.
writers[3] = function(key, d)
  redis.call('HSET', key, 's', fmt(d[6]), 'c', fmt(d[7]))
  if d[8] then redis.call('PEXPIRE', key, ttl_ms(d[5])) end
end
