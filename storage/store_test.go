package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/storage/redistest"
)

// newStore returns a Store on a throwaway Redis, and a client to look at it.
func newStore(t *testing.T, o Options) (*Store, redis.UniversalClient) {
	t.Helper()
	c := redistest.Start(t)
	return New(c, o), c
}

// mustBegin begins a turn that is expected to succeed.
func mustBegin(t *testing.T, s *Store, chat, update int64) Turn {
	t.Helper()
	turn, err := s.Begin(t.Context(), chat, update)
	if err != nil {
		t.Fatalf("Begin(%d, %d): %v", chat, update, err)
	}
	return turn
}

// mustCommit begins and commits one update with the given state.
func mustCommit(t *testing.T, s *Store, chat, update int64, state string, outbox ...string) {
	t.Helper()
	turn := mustBegin(t, s, chat, update)
	if err := s.Commit(t.Context(), chat, update, turn, []byte(state), bytesOf(outbox...), 0, time.Time{}); err != nil {
		t.Fatalf("Commit(%d, %d): %v", chat, update, err)
	}
}

func bytesOf(ss ...string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

func stringsOf(bs [][]byte) []string {
	out := []string{}
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

func TestBeginFreshChat(t *testing.T) {
	s, c := newStore(t, Options{})
	turn := mustBegin(t, s, 7, 100)
	if turn.State != nil || turn.Version != 0 || turn.Token == "" {
		t.Fatalf("Begin on a fresh chat = %+v, want no state, version 0 and a token", turn)
	}
	if got := c.Get(t.Context(), "pecbot:{7}:lock").Val(); got != turn.Token {
		t.Errorf("lock holds %q, want the turn's token %q", got, turn.Token)
	}
}

func TestCommitThenBeginSeesStateAndVersion(t *testing.T) {
	s, _ := newStore(t, Options{})
	mustCommit(t, s, 7, 100, "first")
	mustCommit(t, s, 7, 101, "second")
	turn := mustBegin(t, s, 7, 102)
	if string(turn.State) != "second" || turn.Version != 2 {
		t.Fatalf("Begin after two commits = %q v%d, want \"second\" v2", turn.State, turn.Version)
	}
}

func TestSameUpdateIsSeen(t *testing.T) {
	s, c := newStore(t, Options{})
	mustCommit(t, s, 7, 100, "x")
	if _, err := s.Begin(t.Context(), 7, 100); !errors.Is(err, ErrSeen) {
		t.Fatalf("Begin of a handled update: err = %v, want ErrSeen", err)
	}
	if n := c.Exists(t.Context(), "pecbot:{7}:lock").Val(); n != 0 {
		t.Error("a seen update took the lock")
	}
	// Update 0 is no Telegram update: never de-duplicated, never recorded.
	for range 2 {
		turn := mustBegin(t, s, 7, 0)
		if err := s.Commit(t.Context(), 7, 0, turn, []byte("woken"), nil, 0, time.Time{}); err != nil {
			t.Fatalf("Commit of update 0: %v", err)
		}
	}
	if seen := c.ZRange(t.Context(), "pecbot:{7}:seen", 0, -1).Val(); !slices.Equal(seen, []string{"100"}) {
		t.Errorf("seen = %v, want [100]", seen)
	}
}

func TestBeginWhileLockedIsBusy(t *testing.T) {
	s, _ := newStore(t, Options{})
	first := mustBegin(t, s, 7, 100)
	if _, err := s.Begin(t.Context(), 7, 101); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Begin while locked: err = %v, want ErrBusy", err)
	}
	// Releasing someone else's lock must not free it.
	if err := s.Release(t.Context(), 7, Turn{Token: "not-ours"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(t.Context(), 7, 101); !errors.Is(err, ErrBusy) {
		t.Fatalf("Begin after a foreign Release: err = %v, want ErrBusy", err)
	}
	if err := s.Release(t.Context(), 7, first); err != nil {
		t.Fatal(err)
	}
	mustBegin(t, s, 7, 101)
}

func TestStaleVersionConflictsAndWritesNothing(t *testing.T) {
	s, c := newStore(t, Options{})
	mustCommit(t, s, 7, 100, "kept")
	turn := mustBegin(t, s, 7, 101)
	turn.Version-- // as if read before the last commit
	err := s.Commit(t.Context(), 7, 101, turn, []byte("lost"), bytesOf("lost reply"), time.Hour, time.Time{})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("Commit with a stale version: err = %v, want ErrConflict", err)
	}
	if got := c.HGetAll(t.Context(), "pecbot:{7}:member").Val(); got["state"] != "kept" || got["v"] != "1" {
		t.Errorf("member after conflict = %v, want state kept v1", got)
	}
	if ttl := c.PTTL(t.Context(), "pecbot:{7}:member").Val(); ttl != -1 {
		t.Errorf("member TTL after conflict = %v, want none", ttl)
	}
	if n := c.LLen(t.Context(), "pecbot:{7}:outbox").Val(); n != 0 {
		t.Errorf("outbox after conflict has %d messages", n)
	}
	if c.ZScore(t.Context(), "pecbot:{7}:seen", "101").Err() != redis.Nil {
		t.Error("a conflicting update was marked seen")
	}
	mustBegin(t, s, 7, 101) // the lock was released: redo from Begin
}

// TestLostLockLetsAnotherIn runs against the real server's clock: the lock
// expires by itself, and the old holder's Commit must then fail.
func TestLostLockLetsAnotherIn(t *testing.T) {
	c := redistest.Start(t)
	o := Options{LockTTL: 200 * time.Millisecond}
	dead, alive := New(c, o), New(c, o)
	stale := mustBegin(t, dead, 7, 100)

	var turn Turn
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		if turn, err = alive.Begin(t.Context(), 7, 100); err == nil {
			break
		}
		if !errors.Is(err, ErrBusy) || time.Now().After(deadline) {
			t.Fatalf("Begin waiting for an expired lock: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // a retry's backoff, as the bot would
	}
	if err := dead.Commit(t.Context(), 7, 100, stale, []byte("late"), nil, 0, time.Time{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("Commit after the lock expired: err = %v, want ErrConflict", err)
	}
	if err := alive.Commit(t.Context(), 7, 100, turn, []byte("on time"), nil, 0, time.Time{}); err != nil {
		t.Fatalf("Commit of the new holder after the old one failed: %v", err)
	}
	if got := mustBegin(t, alive, 7, 101); string(got.State) != "on time" || got.Version != 1 {
		t.Errorf("state = %q v%d, want \"on time\" v1", got.State, got.Version)
	}
}

// TestLockExpiryFastForward checks the same on miniredis's clock, which
// moves only when told.
func TestLockExpiryFastForward(t *testing.T) {
	m := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	s := New(c, Options{LockTTL: time.Minute})
	mustBegin(t, s, 7, 100)
	m.FastForward(59 * time.Second)
	if _, err := s.Begin(t.Context(), 7, 100); !errors.Is(err, ErrBusy) {
		t.Fatalf("Begin before the lock expired: err = %v, want ErrBusy", err)
	}
	m.FastForward(time.Second)
	mustBegin(t, s, 7, 100)
}

// TestConcurrentTurnsLoseNothing races two "processes" (two clients) on one
// chat: every increment must land exactly once.
func TestConcurrentTurnsLoseNothing(t *testing.T) {
	srv := redistest.StartServer(t)
	const each = 100
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for p := range 2 {
		s := New(srv.Client(), Options{})
		wg.Go(func() {
			for i := range each {
				update := int64(p*1000 + i + 1)
				if err := increment(t.Context(), s, 7, update); err != nil {
					errs <- fmt.Errorf("process %d update %d: %w", p, update, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s := New(srv.Client(), Options{})
	turn := mustBegin(t, s, 7, 0)
	if string(turn.State) != strconv.Itoa(2*each) || turn.Version != 2*each {
		t.Fatalf("after %d increments: state %q version %d", 2*each, turn.State, turn.Version)
	}
}

// increment is one update as the bot handles it: retry from Begin while
// busy or in conflict.
func increment(ctx context.Context, s *Store, chat, update int64) error {
	for attempt := 0; attempt < 10_000; attempt++ {
		turn, err := s.Begin(ctx, chat, update)
		if errors.Is(err, ErrBusy) {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(string(turn.State))
		err = s.Commit(ctx, chat, update, turn, []byte(strconv.Itoa(n+1)), nil, 0, time.Time{})
		if errors.Is(err, ErrConflict) {
			continue
		}
		return err
	}
	return errors.New("gave up")
}

func TestSeenIsTrimmed(t *testing.T) {
	s, c := newStore(t, Options{SeenKeep: 5})
	for u := int64(1); u <= 8; u++ {
		mustCommit(t, s, 7, u, "x")
	}
	want := []string{"4", "5", "6", "7", "8"}
	if got := c.ZRange(t.Context(), "pecbot:{7}:seen", 0, -1).Val(); !slices.Equal(got, want) {
		t.Fatalf("seen = %v, want the %d newest %v", got, len(want), want)
	}
}

func TestTTLs(t *testing.T) {
	s, c := newStore(t, Options{LockTTL: 10 * time.Second, SeenTTL: time.Hour})
	ctx := t.Context()
	turn := mustBegin(t, s, 7, 100)
	if ttl := c.PTTL(ctx, "pecbot:{7}:lock").Val(); ttl <= 0 || ttl > 10*time.Second {
		t.Errorf("lock TTL = %v, want (0, 10s]", ttl)
	}
	if err := s.Commit(ctx, 7, 100, turn, []byte("x"), bytesOf("hi"), 24*time.Hour, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]time.Duration{"member": 24 * time.Hour, "seen": time.Hour} {
		if ttl := c.PTTL(ctx, "pecbot:{7}:"+key).Val(); ttl <= want-time.Minute || ttl > want {
			t.Errorf("%s TTL = %v, want about %v", key, ttl, want)
		}
	}
	if ttl := c.PTTL(ctx, "pecbot:{7}:outbox").Val(); ttl != -1 {
		t.Errorf("outbox TTL = %v, want none: undelivered replies must not vanish", ttl)
	}
	// ttl 0 means the member no longer expires (e.g. a reminder is pending).
	turn = mustBegin(t, s, 7, 101)
	if err := s.Commit(ctx, 7, 101, turn, []byte("y"), nil, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, "pecbot:{7}:member").Val(); ttl != -1 {
		t.Errorf("member TTL after Commit with ttl 0 = %v, want none", ttl)
	}
}

func TestOutbox(t *testing.T) {
	for _, path := range []struct {
		name      string
		crossSlot bool
	}{{"one script", true}, {"cluster steps", false}} {
		t.Run(path.name, func(t *testing.T) {
			s, _ := newStore(t, Options{})
			s.crossSlotScripts = path.crossSlot
			ctx := t.Context()
			check := func(wantBox []string, wantPending []int64) {
				t.Helper()
				box, err := s.Outbox(ctx, 7)
				if err != nil {
					t.Fatal(err)
				}
				if got := stringsOf(box); !slices.Equal(got, wantBox) {
					t.Errorf("outbox = %q, want %q", got, wantBox)
				}
				pending, err := s.PendingOutboxes(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(pending, wantPending) {
					t.Errorf("pending outboxes = %v, want %v", pending, wantPending)
				}
			}

			check([]string{}, []int64{})
			mustCommit(t, s, 7, 100, "x", "a", "b")
			mustCommit(t, s, 7, 101, "y", "c")
			mustCommit(t, s, 8, 200, "z") // no messages: not pending
			check([]string{"a", "b", "c"}, []int64{7})
			if err := s.Delivered(ctx, 7, 2); err != nil {
				t.Fatal(err)
			}
			check([]string{"c"}, []int64{7})
			if err := s.Delivered(ctx, 7, 1); err != nil {
				t.Fatal(err)
			}
			check([]string{}, []int64{})

			// A conflicting Commit lists nothing in one script; in the
			// Cluster's steps it may list an empty outbox, which the
			// sweep's Delivered(…, 0) unlists.
			turn := mustBegin(t, s, 7, 102)
			turn.Version = 99
			if err := s.Commit(ctx, 7, 102, turn, nil, bytesOf("never"), 0, time.Time{}); !errors.Is(err, ErrConflict) {
				t.Fatalf("Commit with a wrong version: %v", err)
			}
			stale := []int64{}
			if !path.crossSlot {
				stale = []int64{7}
			}
			check([]string{}, stale)
			if err := s.Delivered(ctx, 7, 0); err != nil {
				t.Fatal(err)
			}
			check([]string{}, []int64{})
		})
	}
}

func TestForgetErasesMemberKeepsSeen(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	mustCommit(t, s, 7, 100, "secret", "hello")
	if err := s.SetBlocked(ctx, 7, true); err != nil {
		t.Fatal(err)
	}

	stale := mustBegin(t, s, 7, 101)
	stale.Version = 0
	if err := s.Forget(ctx, 7, 101, stale, bytesOf("bye")); !errors.Is(err, ErrConflict) {
		t.Fatalf("Forget with a stale version: err = %v, want ErrConflict", err)
	}
	if c.Exists(ctx, "pecbot:{7}:member").Val() != 1 {
		t.Fatal("a conflicting Forget erased the member")
	}

	turn := mustBegin(t, s, 7, 101)
	if err := s.Forget(ctx, 7, 101, turn, bytesOf("bye")); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	if c.Exists(ctx, "pecbot:{7}:member", "pecbot:{7}:lock").Val() != 0 {
		t.Error("member or lock left after Forget")
	}
	if _, err := s.Begin(ctx, 7, 101); !errors.Is(err, ErrSeen) {
		t.Errorf("redelivered /forget: err = %v, want ErrSeen", err)
	}
	if box, _ := s.Outbox(ctx, 7); !slices.Equal(stringsOf(box), []string{"hello", "bye"}) {
		t.Errorf("outbox after Forget = %q, want the pending reply and the goodbye", box)
	}
	if pending, _ := s.PendingOutboxes(ctx); !slices.Equal(pending, []int64{7}) {
		t.Errorf("pending outboxes = %v, want [7]", pending)
	}
	if n, _ := s.Members(ctx); n != 0 {
		t.Errorf("members after Forget = %d, want 0", n)
	}
	if blocked, _ := s.Blocked(ctx, 7); blocked {
		t.Error("blocked flag survived Forget")
	}
	if fresh := mustBegin(t, s, 7, 102); fresh.State != nil || fresh.Version != 0 {
		t.Errorf("Begin after Forget = %q v%d, want a fresh chat", fresh.State, fresh.Version)
	}
}

func TestBlocked(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	if err := s.SetBlocked(ctx, 7, true); err != nil {
		t.Fatal(err)
	}
	if c.Exists(ctx, "pecbot:{7}:member").Val() != 0 {
		t.Fatal("SetBlocked created a record for an unknown chat")
	}
	turn := mustBegin(t, s, 7, 100)
	if err := s.Commit(ctx, 7, 100, turn, []byte("st"), nil, time.Hour, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []bool{true, false} {
		if err := s.SetBlocked(ctx, 7, want); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Blocked(ctx, 7); err != nil || got != want {
			t.Fatalf("Blocked = %t, %v; want %t", got, err, want)
		}
	}
	if turn := mustBegin(t, s, 7, 101); string(turn.State) != "st" || turn.Version != 1 {
		t.Errorf("the flag changed the state: %q v%d", turn.State, turn.Version)
	}
	if ttl := c.PTTL(ctx, "pecbot:{7}:member").Val(); ttl <= 0 {
		t.Errorf("the flag dropped the member's TTL: %v", ttl)
	}
}

func TestMembersAndPrune(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	for chat := int64(1); chat <= 3; chat++ {
		mustCommit(t, s, chat, 100, "x")
	}
	mustCommit(t, s, 1, 101, "y") // counted once
	if n, err := s.Members(ctx); err != nil || n != 3 {
		t.Fatalf("Members = %d, %v; want 3", n, err)
	}
	c.Del(ctx, "pecbot:{2}:member") // as if it expired
	if removed, err := s.PruneMembers(ctx); err != nil || removed != 1 {
		t.Fatalf("PruneMembers = %d, %v; want 1", removed, err)
	}
	if n, _ := s.Members(ctx); n != 2 {
		t.Errorf("Members after prune = %d, want 2", n)
	}
}

func TestKeysCarryPrefixAndHashTag(t *testing.T) {
	s, c := newStore(t, Options{Prefix: "test"})
	ctx := t.Context()
	const chat = -1001234567890 // a supergroup: negative IDs must work too
	turn := mustBegin(t, s, chat, 5)
	if err := s.Commit(ctx, chat, 5, turn, []byte("x"), bytesOf("m"), 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	mustBegin(t, s, chat, 6) // leave the lock in place to see it
	keys := c.Keys(ctx, "*").Val()
	slices.Sort(keys)
	want := []string{
		"test:members",
		"test:outboxes",
		"test:{-1001234567890}:lock",
		"test:{-1001234567890}:member",
		"test:{-1001234567890}:outbox",
		"test:{-1001234567890}:seen",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %q\nwant   %q", keys, want)
	}
}

// TestSurvivesRedisRestart: while Redis is down the Store returns errors
// (not ErrBusy or ErrConflict); once it is back, with its script cache
// empty, everything works again without a new Store.
func TestSurvivesRedisRestart(t *testing.T) {
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	s := New(c, Options{})
	mustCommit(t, s, 7, 100, "before")

	srv.Stop()
	_, err := s.Begin(t.Context(), 7, 101)
	if err == nil || errors.Is(err, ErrBusy) || errors.Is(err, ErrSeen) {
		t.Fatalf("Begin with Redis down: err = %v, want a connection error", err)
	}
	srv.Restart()

	turn := mustBegin(t, s, 7, 101)
	if string(turn.State) != "before" {
		t.Fatalf("state after restart = %q, want \"before\"", turn.State)
	}
	if err := c.ScriptFlush(t.Context()).Err(); err != nil { // miniredis keeps it over Restart
		t.Fatal(err)
	}
	if err := s.Commit(t.Context(), 7, 101, turn, []byte("after"), bytesOf("m"), 0, time.Time{}); err != nil {
		t.Fatalf("Commit with an empty script cache: %v", err)
	}
	if got := mustBegin(t, s, 7, 102); string(got.State) != "after" || got.Version != 2 {
		t.Errorf("state = %q v%d, want \"after\" v2", got.State, got.Version)
	}
}
