-- The penalty box: violations, bans and strikes of one client, atomically (all three keys share the client's slot),
-- or the listing of the ban index. Same rules as InMemoryPenaltyBox. Times are microseconds since the Unix epoch.
-- ARGV[1]: the operation: 'violation', 'ban', 'unban' or 'list'.
-- ARGV[2]: now, or 0 to read the server's TIME (production always reads TIME).
-- ARGV[3]: the channel every instance's ban mirror listens on; a ban and an unban are published there, in the
--          same atomic step that writes them: { o = origin, c = client, b = banned_at (now), e = expires_at,
--          s = strike, r = reason } or { o = origin, c = client, u = 1 } (times as strings: cjson would round them).
-- ARGV[4]: the origin: who asked, so that an instance knows its own announcements.
--
-- 'violation'  KEYS: violations (list of times, newest first), ban (hash), strikes (hash).
--              ARGV[5..11]: violations that ban, window, ban duration, longest ban, escalate (1/0), reason, client.
--              Records one violation (none while a ban holds); the Violations-th within the window bans and
--              clears the violations.
--              Reply: nil, or { banned_at, expires_at, strike } of the new ban.
-- 'ban'        KEYS: violations, ban, strikes. ARGV[5..9]: duration, longest ban, unused, reason, client
--              (duration > 0).
--              Reply: { banned_at, expires_at, strike }.
-- 'unban'      KEYS: violations, ban. ARGV[5]: client. Clears the violations and the ban.
--              Reply: 1 when a ban was in force, else 0.
-- 'list'       KEYS: the ban index (sorted set: member client id, score expires_at). Drops ended bans.
--              Reply: { now, client ids of bans in force... }.
local op = ARGV[1]
local now = tonumber(ARGV[2])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local channel, origin = ARGV[3], ARGV[4]

local function fmt(x)
  return string.format('%.17g', x)
end

-- Strikes are forgotten once a client has stayed clean for the longest ban after its last ban ended.
local function ban(client, ban_key, strikes_key, duration, base, longest, escalate, reason)
  local last = redis.call('HMGET', strikes_key, 'count', 'lastBanEnd')
  local strike = 1
  if last[1] and tonumber(last[2]) + longest >= now then strike = tonumber(last[1]) + 1 end
  if duration == 0 then
    duration = base
    if escalate and strike > 1 then
      for i = 2, strike do
        if duration >= longest then break end
        duration = duration * 2
      end
      duration = math.min(duration, longest)
    end
  end
  local expires_at = now + duration
  redis.call('HSET', ban_key, 'bannedAt', fmt(now), 'expiresAt', fmt(expires_at), 'strike', strike, 'reason', reason)
  redis.call('PEXPIRE', ban_key, math.max(math.ceil(duration / 1000), 1))
  redis.call('HSET', strikes_key, 'count', strike, 'lastBanEnd', fmt(expires_at))
  redis.call('PEXPIRE', strikes_key, math.ceil((duration + longest) / 1000) + 1000)
  redis.call('PUBLISH', channel, cjson.encode({ o = origin, c = client, b = fmt(now), e = fmt(expires_at), s = strike, r = reason }))
  return { fmt(now), fmt(expires_at), strike }
end

if op == 'violation' then
  local violations, window = tonumber(ARGV[5]), tonumber(ARGV[6])
  -- Requests that were already past the ban check when the ban began do not count towards another one.
  local banned_until = tonumber(redis.call('HGET', KEYS[2], 'expiresAt'))
  if banned_until and banned_until > now then return nil end
  -- A violation at t counts while now < t + window; only the newest `violations` can matter.
  redis.call('LPUSH', KEYS[1], fmt(now))
  redis.call('LTRIM', KEYS[1], 0, violations - 1)
  if redis.call('LLEN', KEYS[1]) == violations and tonumber(redis.call('LINDEX', KEYS[1], -1)) + window > now then
    redis.call('DEL', KEYS[1])
    return ban(ARGV[11], KEYS[2], KEYS[3], 0, tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == '1', ARGV[10])
  end
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return nil
elseif op == 'ban' then
  return ban(ARGV[9], KEYS[2], KEYS[3], tonumber(ARGV[5]), 0, tonumber(ARGV[6]), false, ARGV[8])
elseif op == 'unban' then
  redis.call('DEL', KEYS[1])
  local expires_at = tonumber(redis.call('HGET', KEYS[2], 'expiresAt'))
  redis.call('DEL', KEYS[2])
  redis.call('PUBLISH', channel, cjson.encode({ o = origin, c = ARGV[5], u = 1 }))
  if expires_at and expires_at > now then return 1 end
  return 0
elseif op == 'list' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now))
  local reply = redis.call('ZRANGE', KEYS[1], 0, -1)
  table.insert(reply, 1, fmt(now))
  return reply
end
return redis.error_reply('unknown penalty operation ' .. tostring(op))
