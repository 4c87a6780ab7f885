package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
)

// The broadcasts of the size: 5,000 members, a Bot API that
// answers 429 beyond 30 messages a second, as Telegram does. Each takes
// about three minutes (5,000 messages at 28 a second), so the two run side
// by side, each with its own bot process, Redis and fake Bot API (a child
// process: the environment is the child's, not set in this one).

// TestBroadcastFiveThousandText: a formatted text announcement.
func TestBroadcastFiveThousandText(t *testing.T) {
	t.Parallel()
	broadcastFiveThousand(t, 8101, 8_100_000, false)
}

// TestBroadcastFiveThousandDocument: a PDF circular with its caption.
func TestBroadcastFiveThousandDocument(t *testing.T) {
	t.Parallel()
	broadcastFiveThousand(t, 8201, 8_200_000, true)
}

// broadcastFiveThousand sends an announcement to 5,000 members, 3% of whom
// blocked the bot (403 on every message) and with 2% of the copies
// answered 500 at random; meanwhile a member talks to the bot and another
// asks to be forgotten. Every other member gets the announcement exactly
// once, the bot causes no 429, the blocked are counted and marked
// inactive, the member talking gets answers within about a second's worth
// of the broadcast, the forgotten member gets nothing, and the report adds
// up.
func broadcastFiveThousand(t *testing.T, staff, first int64, document bool) {
	const n = 5000
	r := newReminderRig(t, time.Now())
	states := make([]dialogs.State, n)
	for i := range states {
		states[i] = dialogs.State{Step: dialogs.StepMenu, Lang: "it"}
	}
	r.seedMembers(t, first, states, nil)
	blocked := map[int64]bool{}
	for i := range int64(n) {
		if i%100 < 3 {
			blocked[first+i] = true
			r.fake.FailChat(first+i, telegramtest.Blocked())
		}
	}
	talker, forgotten := first+3, first+n-1 // neither blocked (i%100 < 3 are)
	r.fake.Limit(30)
	r.fake.FailRandomly("copyMessage", 0.02, telegramtest.ServerError(), uint64(first))
	startChild(t, map[string]string{
		"TELEGRAM_TOKEN": testToken, "TELEGRAM_API_URL": r.fake.URL(),
		"REDIS_URL": "redis://" + r.rds.Addr() + "/0", "LOG_LEVEL": "info",
		"STAFF_IDS": fmt.Sprint(staff),
	}, 0)

	r.fake.PushMessage(staff, "/broadcast")
	waitText(t, r.fake, staff, "Mandami ora l'annuncio", 30*time.Second)
	message := int64(0)
	if document {
		message = 987001
		r.fake.Push(map[string]any{"message": map[string]any{
			"message_id": message, "date": time.Now().Unix(),
			"from":     map[string]any{"id": staff, "is_bot": false, "first_name": "Staff"},
			"chat":     map[string]any{"id": staff, "type": "private", "first_name": "Staff"},
			"document": map[string]any{"file_id": "BQACAgQAAx0", "file_unique_id": "AgAD", "file_name": "circolare.pdf", "mime_type": "application/pdf"},
			"caption":  "Circolare n. 12: nuove tariffe",
		}})
	} else {
		r.fake.PushMessage(staff, "<b>Avviso</b>: gli uffici sono chiusi il 24 dicembre.")
	}
	waitText(t, r.fake, staff, "Ecco l'anteprima", 30*time.Second)
	r.pressAll([]int64{staff}, fmt.Sprintf("📣 Invia a %d", n), fmt.Sprintf("Invio avviato: %d iscritti", n))

	delivered := func() map[int64]int {
		got := copiesTo(r.fake, staff)
		delete(got, staff) // the preview
		return got
	}
	// At 40%: a member writes; the answer does not wait behind the
	// broadcast (at 28 a second, "within a second" is at most 28 copies
	// going out meanwhile; up to twice that for a busy machine).
	waitUntil(t, 3*time.Minute, "40% of the broadcast out", func() bool { return len(delivered()) >= n*4/10 })
	if between := talkDuringBroadcast(t, r.fake, talker); between > 56 {
		t.Errorf("%d copies went out before the member's answer: it waited behind the broadcast", between)
	}
	// Another member, whose copy is not queued yet, asks to be forgotten.
	r.fake.PushMessage(forgotten, "/forget")
	waitText(t, r.fake, forgotten, "Vuoi che cancelli tutto", 30*time.Second)
	r.pressAll([]int64{forgotten}, "Sì, cancella tutto", "ho cancellato tutti i tuoi dati")

	waitReport(t, r.fake, staff, "✅ Annuncio del", 5*time.Minute)
	got := delivered()
	for chat, k := range got {
		if k != 1 {
			t.Errorf("chat %d got the announcement %d times", chat, k)
		}
		if blocked[chat] || chat == forgotten {
			t.Errorf("chat %d got it (blocked %v, forgotten %v)", chat, blocked[chat], chat == forgotten)
		}
	}
	want := n - len(blocked) - 1
	if len(got) != want {
		t.Errorf("%d members got the announcement; want %d (%d less %d who blocked the bot, less the forgotten)", len(got), want, n, len(blocked))
	}
	retried := map[int64]bool{}
	for _, c := range r.fake.CallsOf("copyMessage") {
		if c.Status == http.StatusInternalServerError {
			chat, _ := c.Params["chat_id"].(int64)
			retried[chat] = true
		}
		if id, _ := c.Params["message_id"].(int64); document && id != message {
			t.Errorf("copied message %d; want the document %d", id, message)
		}
	}
	lost := 0
	for chat := range retried {
		if got[chat] != 1 && !blocked[chat] && chat != forgotten {
			lost++
		}
	}
	t.Logf("%d members' copies were answered 500 at first; %d of them not delivered", len(retried), lost)
	if len(retried) == 0 || lost > 0 {
		t.Errorf("500s: %d members met one, %d not delivered; want some, all delivered", len(retried), lost)
	}
	if th := r.fake.Throttled(); th != 0 {
		t.Errorf("the bot caused %d answers 429 at 30 messages a second", th)
	}
	inactive := 0
	for chat := range blocked {
		if b, _ := r.store.Blocked(context.Background(), chat); b {
			inactive++
		}
	}
	if inactive != len(blocked) {
		t.Errorf("%d of the %d members who blocked the bot marked inactive", inactive, len(blocked))
	}
	report := fmt.Sprintf("Inviati %d su %d; hanno bloccato il bot %d; non riusciti 0", want, n, len(blocked))
	if got := lastText(r.fake, staff); !strings.Contains(got, report) {
		t.Errorf("final report %q; want %q", got, report)
	}
	noRejectedCalls(t, r.fake)
}
