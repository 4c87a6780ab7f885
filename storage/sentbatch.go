package storage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// sentBatches gathers the SentLast calls of many chats' deliveries into
// shared round trips: each Redis round trip costs both processes a write,
// a wake-up and a read, more than the script it carries.
type sentBatches struct {
	mu   sync.Mutex
	open *sentBatch // the batch taking calls, if any
}

// sentBatch is one round trip's calls. The first caller sends it, once
// Options.SentWait passed or it is full; the others wait for it.
type sentBatch struct {
	reqs []sentReq
	full chan struct{} // closed when no more calls fit
	done chan struct{} // closed when res is in
	res  []sentRes
}

// maxSentBatch is how many calls one round trip carries at most.
const maxSentBatch = 64

// sentReq is one SentLast call; sentRes its answer.
type sentReq struct {
	chat  int64
	token string
	n     int
}

type sentRes struct {
	left int64
	err  error
}

// add makes r's call in the open batch (opening one if none) and returns
// its answer once the batch went.
func (b *sentBatches) add(ctx context.Context, s *Store, r sentReq) (int64, error) {
	b.mu.Lock()
	batch := b.open
	first := batch == nil
	if first {
		batch = &sentBatch{full: make(chan struct{}), done: make(chan struct{})}
		b.open = batch
	}
	i := len(batch.reqs)
	batch.reqs = append(batch.reqs, r)
	if len(batch.reqs) == maxSentBatch {
		b.open = nil
		close(batch.full)
	}
	b.mu.Unlock()

	if first {
		wait := time.NewTimer(s.o.SentWait)
		select {
		case <-wait.C:
		case <-batch.full:
			wait.Stop()
		}
		b.mu.Lock()
		if b.open == batch {
			b.open = nil
		}
		b.mu.Unlock()
		// The others' calls too: the caller's end does not end them.
		run, cancel := context.WithTimeout(context.WithoutCancel(ctx), sentBatchTimeout)
		batch.res = s.sentMany(run, batch.reqs)
		cancel()
		close(batch.done)
	} else {
		<-batch.done
	}
	return batch.res[i].left, batch.res[i].err
}

// sentBatchTimeout bounds a batch's round trip (go-redis's own timeouts
// come first).
const sentBatchTimeout = 30 * time.Second

// sentMany runs the calls' scripts in one pipeline. When Redis does not
// know the script yet (its first use since a restart), it is loaded and
// the calls it refused go again.
func (s *Store) sentMany(ctx context.Context, reqs []sentReq) []sentRes {
	res := make([]sentRes, len(reqs))
	todo := make([]int, len(reqs))
	for i := range todo {
		todo[i] = i
	}
	for try := 0; ; try++ {
		cmds := make([]*redis.Cmd, len(todo))
		_, _ = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, i := range todo {
				keys, args := s.sentArgs(reqs[i].chat, reqs[i].token, reqs[i].n, 0, true)
				cmds[j] = sentOutboxScript.EvalSha(ctx, p, keys, args...)
			}
			return nil
		})
		var again []int
		for j, i := range todo {
			r := reqs[i]
			if try == 0 && redis.HasErrorPrefix(cmds[j].Err(), "NOSCRIPT") {
				again = append(again, i)
				continue
			}
			left, err := cmds[j].Int64()
			res[i].left, res[i].err = s.sentResult(ctx, r.chat, r.n, left, err)
		}
		if len(again) == 0 {
			return res
		}
		if err := sentOutboxScript.Load(ctx, s.c).Err(); err != nil {
			for _, i := range again {
				res[i].err = fmt.Errorf("mark %d sent in outbox of chat %d: load script: %w", reqs[i].n, reqs[i].chat, err)
			}
			return res
		}
		todo = again
	}
}
