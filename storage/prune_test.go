package storage

import (
	"context"
	"testing"
)

// TestPruneMembersPutsBackWhoCameBack: a member whose record expired, who
// writes again while the prune runs, is put back in the index.
func TestPruneMembersPutsBackWhoCameBack(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t, Options{})
	// The prune found chat 21 gone and removed it; meanwhile it committed.
	c.HSet(ctx, "pecbot:{21}:member", "v", 1)
	back, err := s.putBack(ctx, []any{int64(21), int64(22)})
	if err != nil || back != 1 {
		t.Fatalf("putBack = %d, %v; want 1 (chat 21 only)", back, err)
	}
	if in, _ := c.SIsMember(ctx, "pecbot:members", 21).Result(); !in {
		t.Error("the member who came back is not in the index")
	}
	if in, _ := c.SIsMember(ctx, "pecbot:members", 22).Result(); in {
		t.Error("a member still gone was put back")
	}
}
