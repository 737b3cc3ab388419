-- Decides a batch of requests in arrival order; each request is one or more limits decided as one (the layers of
-- one request, or stacked limits): all of a request's limits admit and are consumed, or nothing of it is. One
-- request's denial consumes nothing for it and changes nothing for the others; a later request of the same client
-- sees what an earlier one consumed.
-- KEYS: one state key per limit, request after request.
-- ARGV[1]: now in microseconds, or 0 to read the server's TIME (production always reads TIME).
-- ARGV[2]: 1 to consume when every limit of a request admits, 0 to only look (peek).
-- Then per request: its number of limits n, then per limit six values: algorithm code (0 sliding counter,
--   1 sliding log, 2 token bucket, 3 fixed window, 4 GCRA), count, window (µs), capacity, GCRA interval (µs), cost.
-- Reply: one string, per limit in order: outcome, remaining, reset_after (µs), retry_after (µs), each a decimal
-- integer (truncated, as Redis truncates a number reply), separated by spaces: one reply object for the whole batch
-- instead of four per limit.
local now = tonumber(ARGV[1])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local consume = ARGV[2] == '1'
local reply = {}
local r = 0
local k = 0
local a = 3
local argc = #ARGV
while a <= argc do
  local n = tonumber(ARGV[a])
  local first = a + 1
  local decided = {}
  local all = true
  for i = 1, n do
    local d = algorithms[tonumber(ARGV[a + 1])](KEYS[k + i], a + 1, now)
    decided[i] = d
    if d[1] ~= ALLOW then all = false end
    a = a + 6
  end
  local commit = consume and all
  for i = 1, n do
    local d = decided[i]
    local reset_after = d[3]
    if commit then
      reset_after = d[5]
      if d[6] then writers[tonumber(ARGV[first + (i - 1) * 6])](KEYS[k + i], d) end
    end
    reply[r + 1] = string.format('%d', d[1])
    reply[r + 2] = string.format('%d', d[2])
    reply[r + 3] = string.format('%d', reset_after)
    reply[r + 4] = string.format('%d', d[4])
    r = r + 4
  end
  k = k + n
  a = a + 1
end
return table.concat(reply, ' ')
