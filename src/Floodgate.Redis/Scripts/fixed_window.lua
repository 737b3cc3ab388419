-- Fixed window. State: hash { s = window start, c = count }.
-- p = { count, window, capacity, interval, cost }; returns outcome, remaining, reset_after, retry_after.
algorithms[3] = function(key, p, now, consume)
  local limit, window, cost = p[1], p[2], p[5]
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
  if consume and cost > 0 then
    redis.call('HSET', key, 's', fmt(window_start), 'c', fmt(count + cost))
    expire_in(key, window_end - now)
    reset_after = window_end - now
  end
  return { ALLOW, limit - count - cost, reset_after, 0 }
end
