package storage

import "github.com/redis/go-redis/v9"

// The Lua scripts. Each touches only keys of one chat (one hash slot), except
// deliveredAtomic, which is used only where there are no slots to respect.
// Replies are tables of plain strings: a nil inside a Lua table would cut
// it short, so absent values come back as "" or "0".

// beginScript checks the update ID, takes the lock and reads the state.
//
//	KEYS: seen, lock, member
//	ARGV: update ID ("0": none, skip the check), lock token, lock TTL in ms
//	reply: {"seen"} | {"busy"} | {"ok", state, version, blocked ("1" or "")}
var beginScript = redis.NewScript(`
if ARGV[1] ~= '0' and redis.call('ZSCORE', KEYS[1], ARGV[1]) then
	return {'seen'}
end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
	return {'busy'}
end
local got = redis.call('HMGET', KEYS[3], 'state', 'v', 'blocked')
return {'ok', got[1] or '', got[2] or '0', got[3] or ''}
`)

// finishLua ends a turn that still holds the lock at the version it read:
// it saves (or erases) the member, queues the messages, marks the update
// seen and releases the lock. Commit, Forget and Reply share it, alone
// (finishScript) or with the indexes and the hand-over (finishAllScript),
// so that their guard cannot drift apart. Saving a member's own update
// (not a wake-up) clears their blocked flag: they are talking to the bot
// again. It leaves in dropped, for an erase, the broadcasts whose copy it
// dropped; the messages are ARGV[msgs] and after.
//
//	KEYS: member, seen, lock, outbox, received broadcasts, staff draft
//	      (the last two only erased)
//	ARGV: token, expected version, update ID ("0": none), seen keep,
//	      seen TTL ms, mode ("save" | "erase" | "keep": the member as it is),
//	      state, member TTL ms (0: none), ..., messages from ARGV[msgs]
//	returns 0 on a conflict (nothing written, the lock released if ours)
const finishLua = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
	return 0
end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[2]) then
	redis.call('DEL', KEYS[3])
	return 0
end
local dropped = {} -- erase: the broadcasts whose copy was dropped
if ARGV[6] == 'erase' then
	redis.call('DEL', KEYS[1], KEYS[5], KEYS[6])
	-- Announcements not delivered yet do not go to someone who asked to
	-- be forgotten (the other messages, answers, do).
	-- Each in its place, as a tombstone: a delivery under way removes
	-- what it sent by position.
	local kept = {}
	for _, item in ipairs(redis.call('LRANGE', KEYS[4], 0, -1)) do
		local bc = string.match(item, '"bc":"([^"]*)"')
		if bc then
			table.insert(dropped, bc)
			table.insert(kept, '{"k":"dropped"}')
		else
			table.insert(kept, item)
		end
	end
	redis.call('DEL', KEYS[4])
	for i = 1, #kept, 100 do
		redis.call('RPUSH', KEYS[4], unpack(kept, i, math.min(i + 99, #kept)))
	end
elseif ARGV[6] == 'save' then
	redis.call('HSET', KEYS[1], 'state', ARGV[7], 'v', tostring(v + 1))
	if ARGV[3] ~= '0' then
		-- The member wrote or pressed: they have not blocked the bot (any more).
		redis.call('HDEL', KEYS[1], 'blocked')
	end
	if tonumber(ARGV[8]) > 0 then
		redis.call('PEXPIRE', KEYS[1], ARGV[8])
	else
		redis.call('PERSIST', KEYS[1])
	end
end
-- In slices, to stay within Lua's limit on unpacked values.
for i = msgs, #ARGV, 100 do
	redis.call('RPUSH', KEYS[4], unpack(ARGV, i, math.min(i + 99, #ARGV)))
end
if ARGV[3] ~= '0' then
	redis.call('ZADD', KEYS[2], ARGV[3], ARGV[3])
	redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
	redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
redis.call('DEL', KEYS[3])
`

// finishScript is finishLua alone: on a Cluster, where the indexes live
// on other slots, Commit sends it in a pipeline with their updates.
//
//	KEYS, ARGV: finishLua's, the messages from ARGV[9]
//	reply: 1 done | 0 conflict
//	       | {1, broadcast IDs...} erased, and these broadcasts' copies dropped
var finishScript = redis.NewScript(`local msgs = 9
` + finishLua + `
if #dropped > 0 then
	return {1, unpack(dropped)}
end
return 1
`)

// finishAllScript is finishLua with the member index, the wake-up index
// and the outboxes set updated, and the outbox taken for a delivery (as
// takeOutboxScript) when messages were queued: a turn's whole commit in
// one script, where every key may be touched by one (not a Cluster).
//
//	KEYS: finishLua's, then members, wakes, outboxes, sending
//	ARGV: finishLua's 8, then chat, wake-up's Unix time ("": none),
//	      delivering token ("": take nothing), its hold in ms,
//	      messages from ARGV[13]
//	reply: 0 conflict | {1, taken (1 or 0), items taken, broadcast IDs
//	       dropped...}
var finishAllScript = redis.NewScript(`local msgs = 13
` + takeLua + finishLua + `
if ARGV[6] == 'erase' then
	redis.call('SREM', KEYS[7], ARGV[9])
	redis.call('ZREM', KEYS[8], ARGV[9])
elseif ARGV[6] == 'save' then
	redis.call('SADD', KEYS[7], ARGV[9])
	if ARGV[10] == '' then
		redis.call('ZREM', KEYS[8], ARGV[9])
	else
		redis.call('ZADD', KEYS[8], ARGV[10], ARGV[9])
	end
end
local taken, items = 0, {}
if #ARGV >= msgs then
	redis.call('SADD', KEYS[9], ARGV[9])
	if ARGV[11] ~= '' then
		local got = take(KEYS[10], KEYS[4], ARGV[11], ARGV[12])
		if got then
			taken, items = 1, got
		end
	end
end
return {1, taken, items, unpack(dropped)}
`)

// releaseScript deletes the lock only if it still holds our token, so a
// slow holder cannot free a lock that has since passed to someone else.
//
//	KEYS: lock
//	ARGV: token
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('DEL', KEYS[1])
end
return 0
`)

// deliveredAtomic drops the first n messages and, when none are left,
// removes the chat from the outboxes set, in one step, so that no message
// queued meanwhile can end up outside the set.
//
//	KEYS: outbox, outboxes
//	ARGV: n, chat
var deliveredAtomic = redis.NewScript(`
redis.call('LTRIM', KEYS[1], ARGV[1], -1)
if redis.call('LLEN', KEYS[1]) == 0 then
	redis.call('SREM', KEYS[2], ARGV[2])
end
return 0
`)

// deliveredTrim drops the first n messages and returns how many are left:
// the Cluster half of deliveredAtomic (see Delivered).
//
//	KEYS: outbox
//	ARGV: n
var deliveredTrim = redis.NewScript(`
redis.call('LTRIM', KEYS[1], ARGV[1], -1)
return redis.call('LLEN', KEYS[1])
`)

// setBlockedScript sets or clears the blocked flag of an existing member
// only: creating a hash with no state and no TTL would keep a chat ID
// forever, e.g. for someone who blocked the bot right after /forget.
//
//	KEYS: member
//	ARGV: "1" to set, "0" to clear
var setBlockedScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
if ARGV[1] == '1' then
	redis.call('HSET', KEYS[1], 'blocked', '1')
else
	redis.call('HDEL', KEYS[1], 'blocked')
end
return 1
`)
