package storage

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Embedded starts an in-process Redis (miniredis) for running without a
// Redis server, and returns a client to it and a func that stops both. Its
// data lives in memory only and is lost when the process ends.
func Embedded() (redis.UniversalClient, func(), error) {
	m := miniredis.NewMiniRedis()
	// miniredis only counts TTLs down on FastForward by default, which
	// would keep a dead holder's lock, and every expired member, forever.
	m.ClockTTL(true)
	if err := m.Start(); err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	stop := func() {
		_ = c.Close()
		m.Close()
	}
	return c, stop, nil
}
