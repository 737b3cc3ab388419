-- Sliding window counter. State: hash { s = current window start, c = current count, p = previous count }.
algorithms[0] = function(key, a, now)
  local limit, window, cost = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 5])
  local state = redis.call('HMGET', key, 's', 'c', 'p')
  local stamp = tonumber(state[1]) or 0
  now = math.max(now, stamp)
  local window_start = now - math.fmod(now, window)
  local current, previous = 0, 0
  if stamp == window_start then
    current = tonumber(state[2]) or 0
    previous = tonumber(state[3]) or 0
  elseif stamp == window_start - window then
    previous = tonumber(state[2]) or 0
  end
  local elapsed = now - window_start
  local estimate = previous * (window - elapsed) / window + current
  local available = math.floor(limit - estimate)

  local reset_after = 0
  if current > 0 then reset_after = window_start + 2 * window - now
  elseif previous > 0 then reset_after = window_start + window - now end

  if cost > limit then return { TOO_COSTLY, math.max(available, 0), reset_after, 0 } end
  if estimate + cost > limit then
    local room = limit - cost
    local retry
    if current > room then
      local into = math.ceil(window * (current - room) / current) + 1
      retry = window_start + window + into - now
    else
      local at = math.ceil(window * (previous - room + current) / previous) + 1
      retry = math.max(at - elapsed, 1)
    end
    return { DENY, math.max(available, 0), reset_after, retry }
  end
  local remaining = math.floor(limit - estimate - cost)
  if cost == 0 then return { ALLOW, remaining, reset_after, 0, reset_after } end
  -- Consumed, the current window holds a count: the state lasts until the end of the next window.
  return { ALLOW, remaining, reset_after, 0, window_start + 2 * window - now, window_start, current + cost, previous, stamp ~= window_start }
end

-- The key lives until the end of the window after the current one: its expiry is set by the current window's first
-- write and holds for the others.
writers[0] = function(key, d)
  redis.call('HSET', key, 's', fmt(d[6]), 'c', fmt(d[7]), 'p', fmt(d[8]))
  if d[9] then redis.call('PEXPIRE', key, ttl_ms(d[5])) end
end
