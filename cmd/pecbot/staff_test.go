package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// Staff commands on Telegram: the staff (STAFF_IDS) get them; anyone else
// gets what any unknown command gets, and nothing says they exist.

// TestStaffCommandFromNonStaff: a member sending /stats gets the answer to
// an unknown command, word for word; the log says a staff command was
// tried, without who tried it.
func TestStaffCommandFromNonStaff(t *testing.T) {
	const member, staff = 6101, 6199
	loc := rome(t)
	r := newReminderRig(t, time.Date(2027, 10, 8, 10, 0, 0, 0, loc))
	env := botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprint(staff))
	stop := startBotAt(t, env, r.clock)
	r.fake.PushMessage(member, "/start")
	waitText(t, r.fake, member, "cosa devi fare?", 10*time.Second)
	var answers []string
	for _, cmd := range []string{"/stats", "/nonesuch", "/stats@pecbot_test", "/STATS"} {
		before := len(r.fake.Sent(member))
		r.fake.PushMessage(member, cmd)
		waitUntil(t, 10*time.Second, cmd+" answered", func() bool { return len(r.fake.Sent(member)) > before })
		quietChat(t, r.rdb, member)
		var got []string
		for _, m := range r.fake.Sent(member)[before:] {
			got = append(got, m.Plain)
		}
		answers = append(answers, strings.Join(got, "\n---\n"))
	}
	unknown := answers[1] // /nonesuch
	for i, a := range answers {
		if a != unknown {
			t.Errorf("answer %d from a member: %q; want the unknown-command answer %q", i, a, unknown)
		}
	}
	if strings.Contains(answers[0], "Statistiche") || strings.Contains(answers[0], "Iscritti") {
		t.Errorf("a member saw the statistics: %q", answers[0])
	}
	_, logs := stop()
	if n := strings.Count(logs, "a staff command from someone who is not staff"); n != 3 {
		t.Errorf("%d warnings about staff commands from a member; want 3:\n%s", n, logs)
	}
	if strings.Contains(logs, fmt.Sprint(member)) {
		t.Errorf("the log names the member's chat:\n%s", logs)
	}
}

// TestStaffStats: /stats from staff counts members by where they are, as
// of today (Rome), without touching the staff member's own record.
func TestStaffStats(t *testing.T) {
	const staff = 6299
	loc := rome(t)
	ctx := context.Background()
	now := time.Date(2027, 10, 12, 11, 0, 0, 0, loc)
	r := newReminderRig(t, now)
	d := func(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }
	seed := []struct {
		chat    int64
		state   dialogs.State
		blocked bool
	}{
		{6201, dialogs.State{Step: dialogs.StepActPayment, Lang: "it"}, false},
		{6202, dialogs.State{Step: dialogs.StepActWaiting, Lang: "it", FaxDay: d(2027, 9, 30), Activation: d(2027, 10, 8)}, false}, // overdue
		{6203, dialogs.State{Step: dialogs.StepMenu, Resume: dialogs.StepActWaiting, Lang: "en", FaxDay: d(2027, 10, 11), Activation: d(2027, 10, 18)}, true},
		{6204, dialogs.State{Step: dialogs.StepRenew, Lang: "it", Expiry: d(2027, 9, 1)}, false},  // expired, within 90 days
		{6205, dialogs.State{Step: dialogs.StepRenew, Lang: "it", Expiry: d(2027, 12, 1)}, false}, // not yet expired
		{6206, dialogs.State{Step: dialogs.StepGone, Lang: "it", Expiry: d(2027, 6, 1)}, false},   // past the 90 days
		{6207, dialogs.State{Step: dialogs.StepDone, Lang: "it"}, false},
	}
	for _, m := range seed {
		raw, err := dialogs.Encode(m.state)
		if err != nil {
			t.Fatal(err)
		}
		turn, err := r.store.Begin(ctx, m.chat, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.store.Commit(ctx, m.chat, 0, turn, raw, nil, 0, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if m.blocked {
			if err := r.store.SetBlocked(ctx, m.chat, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.store.IndexWake(ctx, 6202, now.Add(time.Hour)); err != nil { // due today
		t.Fatal(err)
	}
	if err := r.store.IndexWake(ctx, 6205, now.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	startBotAt(t, botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprintf("1,%d", staff)), r.clock)

	r.fake.PushMessage(staff, "/stats")
	waitText(t, r.fake, staff, "Statistiche del bot", 10*time.Second)
	got := lastText(r.fake, staff)
	for _, want := range []string{
		"Iscritti: 7 (attivi 6, hanno bloccato il bot 1); in italiano 6, in inglese 1.",
		"Prima del fax: 1",
		"Fax inviato, in attesa dei dati di accesso: 2 (oltre il giorno previsto: 1)",
		"PEC attivata o rinnovata: 1",
		"Con la data di scadenza: 2 (già scaduta, entro i 90 giorni: 1)",
		"Oltre i 90 giorni, casella cancellata: 1",
		"In attesa: 2; da inviare entro oggi: 1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/stats lacks %q:\n%s", want, got)
		}
	}
	if n, _ := r.rdb.Exists(ctx, fmt.Sprintf("pecbot:{%d}:member", staff)).Result(); n != 0 {
		t.Error("/stats made the staff member a member")
	}
	if n, _ := r.store.Members(ctx); n != 7 {
		t.Errorf("%d members after /stats; want 7", n)
	}
	noRejectedCalls(t, r.fake)
}
