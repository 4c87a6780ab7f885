// Package storage is everything the bot keeps in Redis: each member's
// dialog state and flags, the per-chat lock that serialises updates across
// processes, the de-duplication of Telegram update IDs, the outbox of
// messages not yet delivered, and the index of members.
//
// It talks to Redis only through redis.UniversalClient, so a single server,
// Sentinel or Cluster all work (see Open), and Embedded gives an in-process
// Redis when none is configured. It must not import bot or cmd; the member
// state is opaque bytes to it (dialogs.Encode/Decode are the caller's).
//
// # Keys
//
// With the default prefix "pecbot" and a chat ID C:
//
//	pecbot:{C}:member   hash: state (the encoded dialog state), v (version,
//	                    +1 per commit), blocked ("1" when the member blocked
//	                    the bot); TTL as given to Commit (inactive members expire)
//	pecbot:{C}:seen     sorted set of recent update IDs (member = score = ID),
//	                    trimmed to Options.SeenKeep, TTL Options.SeenTTL
//	pecbot:{C}:lock     the chat's lock: a random token, TTL Options.LockTTL
//	pecbot:{C}:sending  held by the one process delivering the outbox: a random token, a short TTL
//	pecbot:{C}:outbox   list of encoded messages not yet accepted by Telegram;
//	                    no TTL, since losing it would lose replies: it empties
//	                    as the sender delivers
//	pecbot:members      set of chat IDs that have committed state (statistics,
//	                    broadcast audiences); see PruneMembers
//	pecbot:outboxes     set of chat IDs whose outbox may be non-empty (the
//	                    sweep after a crash); an entry may outlive its messages
//
// The {C} hash tag puts all keys of one chat in one Cluster slot, which is
// what lets one Lua script touch them atomically. The two sets are global,
// hence never touched inside a script: they travel in the same pipeline.
//
// # One update
//
// Begin (one round trip: a script) checks the update ID, takes the lock and
// reads the state; Commit or Forget (one round trip: a pipeline holding the
// script and the set updates) writes only if the lock and version still
// hold, then releases the lock. On a Cluster the pipeline's commands go to
// the nodes of their slots concurrently, so the global sets may be updated
// a moment before or after the chat's keys.
package storage
