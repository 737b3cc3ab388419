-- Sliding window counter. State: hash { s = current window start, c = current count, p = previous count }.
algorithms[0] = function(key, p, now, consume)
  local limit, window, cost = p[1], p[2], p[5]
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

  local function reset_after(cur, prev)
    if cur > 0 then return window_start + 2 * window - now end
    if prev > 0 then return window_start + window - now end
    return 0
  end

  if cost > limit then return { TOO_COSTLY, math.max(available, 0), reset_after(current, previous), 0 } end
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
    return { DENY, math.max(available, 0), reset_after(current, previous), retry }
  end
  if consume and cost > 0 then
    current = current + cost
    redis.call('HSET', key, 's', fmt(window_start), 'c', fmt(current), 'p', fmt(previous))
    expire_in(key, window_start + 2 * window - now)
  end
  return { ALLOW, math.floor(limit - estimate - cost), reset_after(current, previous), 0 }
end
