package bot

import (
	"sync"
	"time"
)

// Clock is the program's one clock: real time, or a time that only moves
// when told to (the console's --now, /clock and /advance; tests).
type Clock struct {
	mu     sync.Mutex
	fixed  bool
	at     time.Time     // the time, when fixed
	offset time.Duration // added to real time, when not fixed
	real   func() time.Time
}

// RealClock follows the wall clock.
func RealClock() *Clock { return &Clock{real: time.Now} }

// FixedClock stands at t until moved.
func FixedClock(t time.Time) *Clock { return &Clock{fixed: true, at: t, real: time.Now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed {
		return c.at
	}
	return c.real().Add(c.offset)
}

// Set moves the clock to t (forwards or backwards).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed {
		c.at = t
		return
	}
	c.offset = t.Sub(c.real())
}

// Fixed reports whether the clock stands still until moved (it jumps; it
// does not run).
func (c *Clock) Fixed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fixed
}
