package storage

import (
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options tunes a Store. The zero value of each field means its default.
type Options struct {
	Prefix   string        // key prefix, default "pecbot"
	LockTTL  time.Duration // how long a chat's lock lives if its holder dies, default 30s
	SeenKeep int           // how many recent update IDs are remembered per chat, default 500
	SeenTTL  time.Duration // how long the seen set lives after the last update, default 7 days
	// SentWait is how long a SentLast waits for others to share its
	// round trip (see SentLast), default 2ms; negative: none waits.
	SentWait time.Duration
}

// The defaults of Options.
const (
	DefaultPrefix   = "pecbot"
	DefaultLockTTL  = 30 * time.Second
	DefaultSeenKeep = 500
	DefaultSeenTTL  = 7 * 24 * time.Hour
	DefaultSentWait = 2 * time.Millisecond
)

// Store keeps the bot's state in Redis. It is safe for concurrent use, also
// by several processes sharing one Redis.
type Store struct {
	c redis.UniversalClient
	o Options
	// crossSlotScripts is false on a Cluster, where one script cannot touch
	// a chat's keys and a global set together; Delivered then takes a
	// slower path that is still safe.
	crossSlotScripts bool
	sent             *sentBatches // SentLast's shared round trips
}

// New returns a Store on c, filling in the defaults of o.
func New(c redis.UniversalClient, o Options) *Store {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.LockTTL <= 0 {
		o.LockTTL = DefaultLockTTL
	}
	if o.SeenKeep <= 0 {
		o.SeenKeep = DefaultSeenKeep
	}
	if o.SeenTTL <= 0 {
		o.SeenTTL = DefaultSeenTTL
	}
	if o.SentWait == 0 {
		o.SentWait = DefaultSentWait
	}
	_, cluster := c.(*redis.ClusterClient)
	return &Store{c: c, o: o, crossSlotScripts: !cluster, sent: &sentBatches{}}
}

// chatKeys are the keys of one chat, all in one hash slot.
type chatKeys struct {
	member, seen, lock, outbox, sending string
	received, staff                     string
}

func (s *Store) chatKeys(chat int64) chatKeys {
	base := s.o.Prefix + ":{" + strconv.FormatInt(chat, 10) + "}:"
	return chatKeys{
		member: base + "member",
		seen:   base + "seen",
		lock:   base + "lock",
		outbox: base + "outbox",
		// sending is held by the one process delivering the outbox.
		sending: base + "sending",
		// received lists the broadcasts queued to the chat (each once).
		received: base + "received",
		// staff is a staff member's draft announcement.
		staff: base + "staff",
	}
}

func (s *Store) membersKey() string  { return s.o.Prefix + ":members" }
func (s *Store) outboxesKey() string { return s.o.Prefix + ":outboxes" }

// wakesKey is the wake-up index: chat → Unix time of its pending wake-up.
func (s *Store) wakesKey() string { return s.o.Prefix + ":wakes" }
