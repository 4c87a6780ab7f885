package storage

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// BenchmarkRedisMemory measures what Redis holds, in bytes of used_memory,
// per member (a state waiting for its activation, its place in the member
// and wake-up indexes, the updates it was sent), and per recipient of a
// broadcast while it runs and after it (the chat's mark of what it
// received, kept 7 days). The figures of docs/capacity.md:
//
//	go test -run '^$' -bench RedisMemory -benchtime 1x ./storage/
func BenchmarkRedisMemory(b *testing.B) {
	const n = 20000
	d := func(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }
	state, err := dialogs.Encode(dialogs.State{Step: dialogs.StepActWaiting, Lang: "it",
		FaxDay: d(2027, 9, 30), Activation: d(2027, 10, 8)})
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		c := redistest.Start(b)
		s := New(c, Options{})
		ctx := context.Background()
		used := func() int64 {
			b.Helper()
			info, err := c.Info(ctx, "memory").Result()
			if err != nil {
				b.Fatal(err)
			}
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
					n, _ := strconv.ParseInt(v, 10, 64)
					return n
				}
			}
			b.Fatal("no used_memory in INFO memory")
			return 0
		}

		start := used()
		wake := time.Date(2027, 10, 8, 10, 0, 0, 0, time.UTC)
		chats := make([]int64, n)
		for i := range n {
			chat := int64(100_000_000 + i*7919)
			chats[i] = chat
			for u := int64(1); u <= 8; u++ { // a conversation of a few updates
				t, err := s.Begin(ctx, chat, chat*10+u)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Commit(ctx, chat, chat*10+u, t, state, nil, 2*365*24*time.Hour, wake); err != nil {
					b.Fatal(err)
				}
			}
		}
		members := used()
		b.ReportMetric(float64(members-start)/n, "B/member")

		bc := Broadcast{ID: "capacity", From: 1, Message: 1, Audience: "all", Created: time.Now()}
		if err := s.CreateBroadcast(ctx, bc, chats); err != nil {
			b.Fatal(err)
		}
		item := []byte(`{"copy":{"from":1,"msg":1},"k":"broadcast","bc":"capacity"}`)
		for more := true; more; {
			if _, more, err = s.QueueBroadcast(ctx, bc.ID, item, 500); err != nil {
				b.Fatal(err)
			}
		}
		for _, chat := range chats { // every copy delivered and recorded
			if err := c.Del(ctx, s.chatKeys(chat).outbox).Err(); err != nil {
				b.Fatal(err)
			}
			if err := s.BroadcastOutcome(ctx, bc.ID, chat, "sent"); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Del(ctx, s.outboxesKey()).Err(); err != nil && err != redis.Nil {
			b.Fatal(err)
		}
		running := used()
		b.ReportMetric(float64(running-members)/n, "B/recipient-running")
		if err := s.FinishBroadcast(ctx, bc.ID); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(used()-members)/n, "B/recipient-after")
	}
}
