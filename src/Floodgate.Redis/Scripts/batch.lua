-- Decides several limits as one (the layers of one request, or stacked limits).
-- KEYS: one state key per limit.
-- ARGV[1]: now in microseconds, or 0 to read the server's TIME (production always reads TIME).
-- ARGV[2]: 1 to consume when every limit admits, 0 to only look (peek).
-- ARGV[3 + 6(i-1) ...]: per key: algorithm code (0 sliding counter, 1 sliding log, 2 token bucket,
--   3 fixed window, 4 GCRA), count, window (µs), capacity, GCRA interval (µs), cost.
-- Reply: per key, in order: outcome, remaining, reset_after (µs), retry_after (µs).
-- Nothing is written unless every limit admits.
local now = tonumber(ARGV[1])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local consume = ARGV[2] == '1'
local params = {}
local reply = {}
local all = true
for i = 1, #KEYS do
  local b = 3 + (i - 1) * 6
  params[i] = { tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5]) }
  local d = algorithms[tonumber(ARGV[b])](KEYS[i], params[i], now, false)
  reply[i] = d
  if d[1] ~= ALLOW then all = false end
end
if consume and all then
  for i = 1, #KEYS do
    reply[i] = algorithms[tonumber(ARGV[3 + (i - 1) * 6])](KEYS[i], params[i], now, true)
  end
end
local flat = {}
for i = 1, #KEYS do
  for j = 1, 4 do flat[#flat + 1] = reply[i][j] end
end
return flat
