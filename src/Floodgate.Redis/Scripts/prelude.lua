-- Shared by every algorithm. Outcomes: 1 admitted, 2 denied (limit exceeded), 3 denied (cost above what the
-- limit can ever admit). Every time is an integer number of microseconds since the Unix epoch; every number the
-- scripts compute is an integer below 2^53 or a double computed with the same operations, in the same order, as
-- the C# algorithms in src/Floodgate/Algorithms, so both runtimes decide identically.
--
-- Each algorithm decides in one pass and writes nothing: algorithms[code](key, a, now) reads its parameters from
-- ARGV[a + 1 ..] (count, window, capacity, GCRA interval, cost) and returns
--   { outcome, remaining, reset_after, retry_after, reset_after if consumed, state to write... }
-- with nothing to write when [6] is nil; writers[code](key, d) writes that state, only once every limit of the
-- request admitted.
local ALLOW, DENY, TOO_COSTLY = 1, 2, 3

local function ttl_ms(ttl)
  -- TTL relative to the clock the script decides with (server TIME or a test's fixed clock): idle keys vanish.
  return math.max(math.ceil(ttl / 1000), 1) + 1000
end

local function fmt(x)
  return string.format('%.17g', x)
end

local algorithms = {}
local writers = {}
