package dialogs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
)

// FuzzStep plays random conversations from a fresh state: presses of the
// buttons just shown, forged presses (any action, argument and step),
// texts, commands, due and stale wake-ups, and moves of the clock. Whatever
// happens, Step must not panic and the state and effects must stay sound.
//
// Each event is three bytes: kind, then two operands.
func FuzzStep(f *testing.F) {
	// Seeds that reach deep: activation to the checklist, renewal reminders.
	f.Add([]byte{5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0})
	f.Add([]byte{5, 0, 0, 0, 1, 0, 4, 10, 0, 6, 0, 0, 6, 0, 0, 6, 0, 0, 6, 0, 0, 6, 0, 0})
	f.Add([]byte{5, 0, 0, 0, 1, 0, 4, 20, 0, 0, 0, 0, 4, 22, 0, 4, 26, 0})
	f.Add([]byte{5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 4, 12, 0, 0, 0, 0, 7, 1, 130, 8, 200, 3})
	f.Add([]byte{5, 8, 0, 0, 0, 0, 3, 20, 5, 5, 4, 0, 3, 9, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newDialog()
		now := thu30Sep
		s, _ := dialogs.Decode(nil) // a member the bot does not know yet
		var shown []dialogs.Button  // the buttons of the last answer
		shownFrom := s.Step         // the step that answer was sent from
		for i := 0; i+2 < len(data) && i < 3*80; i += 3 {
			op, x, y := data[i], int(data[i+1]), int(data[i+2])
			var ev dialogs.Event
			switch op % 10 {
			case 0, 1, 2: // press a button just shown
				if len(shown) == 0 {
					continue
				}
				b := shown[x%len(shown)]
				ev = dialogs.Event{Kind: dialogs.Press, Action: b.Action, Arg: b.Arg, From: shownFrom}
			case 3: // a forged or stale press
				from := s.Step
				if y%2 == 1 {
					from = fuzzSteps[(y/2)%len(fuzzSteps)]
				}
				ev = dialogs.Event{Kind: dialogs.Press, Action: fuzzActions[x%len(fuzzActions)], Arg: fuzzArgs[y%len(fuzzArgs)], From: from}
			case 4:
				ev = dialogs.Event{Kind: dialogs.Text, Text: fuzzTexts[x%len(fuzzTexts)]}
			case 5:
				ev = dialogs.Event{Kind: dialogs.Command, Name: fuzzCommands[x%len(fuzzCommands)]}
			case 6: // the pending wake-up fires when due
				if s.Wake.IsZero() {
					continue
				}
				if now.Before(s.Wake.At) {
					now = s.Wake.At
				}
				ev = dialogs.Event{Kind: dialogs.Woken, Reason: s.Wake.Reason, At: s.Wake.At}
			case 7: // a stale or forged wake-up
				at := now.Add(time.Duration(y-128) * time.Hour)
				if x%3 == 0 && !s.Wake.IsZero() {
					at = s.Wake.At
				}
				ev = dialogs.Event{Kind: dialogs.Woken, Reason: fuzzReasons[x%len(fuzzReasons)], At: at}
			case 8: // time passes
				now = now.Add(time.Duration(x)*time.Hour + time.Duration(y)*time.Minute)
				continue
			case 9: // days pass
				now = now.Add(time.Duration(x%40) * 24 * time.Hour)
				continue
			}
			prev := s
			var fx dialogs.Effects
			s, fx = d.Step(s, ev, now)
			checkStep(t, prev, ev, now, s, fx)
			s = stored(t, s)
			if len(fx.Messages) > 0 {
				shown = shown[:0]
				for _, row := range fx.Messages[len(fx.Messages)-1].Buttons {
					shown = append(shown, row...)
				}
				shownFrom = s.Step
			}
		}
	})
}

// checkStep checks what must hold after any event.
func checkStep(t *testing.T, prev dialogs.State, ev dialogs.Event, now time.Time, s dialogs.State, fx dialogs.Effects) {
	t.Helper()
	if !dialogs.IsKnownStep(s.Step) {
		t.Fatalf("after %+v: unknown step %q", ev, s.Step)
	}
	if s.Step == "" && prev.Step != "" && !fx.Forget {
		t.Fatalf("after %+v: step emptied from %q without forgetting", ev, prev.Step)
	}
	if fx.Forget && !equalState(s, dialogs.State{Schema: dialogs.SchemaVersion}) {
		t.Fatalf("after forgetting, state %+v is not fresh", s)
	}
	if s.Schema != dialogs.SchemaVersion {
		t.Fatalf("after %+v: schema %d", ev, s.Schema)
	}
	if ev.Kind == dialogs.Woken {
		due := !prev.RemindersOff && !prev.Wake.IsZero() && prev.Wake.Reason == ev.Reason &&
			prev.Wake.At.Equal(ev.At) && !now.Before(ev.At)
		if !due && (len(fx.Messages) > 0 || !equalState(s, prev)) {
			t.Fatalf("stale wake-up %+v (pending %s) acted: %q", ev, showWake(prev.Wake), keys(fx))
		}
		civil := newDialog().Cal.NextCivilTime(now, rome, 10).Equal(now)
		// At a date question (not the step that set it) a wake-up waits
		// once, silently, for the reminder hour of a later working day.
		_, typing := dialogs.DeclaredTextTo(prev.Step)
		waits := due && civil && typing && !prev.Wake.Waited && !slices.Contains(dialogs.DeclaredReminds(prev.Step), ev.Reason)
		if waits {
			local := s.Wake.At.In(rome)
			if len(fx.Messages) > 0 || s.Step != prev.Step || s.Wake.Reason != ev.Reason || !s.Wake.Waited ||
				!s.Wake.At.After(now) || local.Hour() != 10 || local.Minute() != 0 {
				t.Fatalf("wake-up %+v at question %q did not wait once: said %q, pending %s (waited %v)", ev, prev.Step, keys(fx), showWake(s.Wake), s.Wake.Waited)
			}
		}
		if due && civil && !waits && len(fx.Messages) == 0 {
			t.Fatalf("due wake-up %+v said nothing", ev)
		}
		if due && !civil && (len(fx.Messages) > 0 || s.Wake.Reason != ev.Reason || !s.Wake.At.After(now)) {
			t.Fatalf("wake-up %+v due at night or on a day off was not put off: said %q, pending %s", ev, keys(fx), showWake(s.Wake))
		}
	} else if len(fx.Messages) == 0 {
		t.Fatalf("member event %+v got no answer", ev)
	}
	for _, m := range fx.Messages {
		if m.Key == "" {
			t.Fatalf("after %+v: message without key: %+v", ev, m)
		}
		for _, row := range m.Buttons {
			if len(row) == 0 {
				t.Fatalf("after %+v: empty row of buttons in %s", ev, m.Key)
			}
			for _, b := range row {
				checkButton(t, m.Key, s.Step, b)
			}
		}
	}
	if s.Resume != "" && s.Step != dialogs.StepMenu {
		t.Fatalf("after %+v: Resume %q outside the menu (step %q)", ev, s.Resume, s.Step)
	}
	if s.Checklist > 0b111 {
		t.Fatalf("after %+v: checklist %b", ev, s.Checklist)
	}
	if s.Wake.IsZero() {
		return
	}
	// Only a wake-up that found the member typing waits, and only once.
	if s.Wake.Waited && !(prev.Wake.Waited && prev.Wake.Reason == s.Wake.Reason) && ev.Kind != dialogs.Woken {
		t.Fatalf("after %+v: wake-up %s marked as waited, not by a wake-up", ev, showWake(s.Wake))
	}
	// Muted (reminders off), a wake-up stays pending and moves with the
	// journey, but is never delivered: the Woken check above.
	// A step without a reminder rule keeps the one pending (Back within a
	// journey cancels nothing), so the reason need only be one a step sets.
	if !slices.Contains(dialogs.WakeReasons(), s.Wake.Reason) {
		t.Fatalf("after %+v: wake-up %q pending in %q, which no step sets", ev, s.Wake.Reason, s.Step)
	}
	// 10:00, or later the same civil day when it was due already (reminders
	// switched back on, or put off after the bot was down).
	local := s.Wake.At.In(rome)
	if h := local.Hour(); h < 10 || h >= 19 {
		t.Fatalf("after %+v: wake-up at %v, outside civil hours in Rome", ev, local)
	}
	if dd := day(local.Year(), local.Month(), local.Day()); !newDialog().Cal.IsWorkingDay(dd) {
		t.Fatalf("after %+v: wake-up on %v, not a working day", ev, dd)
	}
}

var (
	fuzzActions = []dialogs.Action{
		dialogs.ActMenu, dialogs.ActBack, dialogs.ActHere, dialogs.ActResume, dialogs.ActContacts, dialogs.ActHelp,
		dialogs.ActStatus, dialogs.ActPrivacy, dialogs.ActLang, dialogs.ActRemind, dialogs.ActGoActivate,
		dialogs.ActGoRenew, dialogs.ActGoActive, dialogs.ActBought, dialogs.ActPay, dialogs.ActFaxToday,
		dialogs.ActFaxOther, dialogs.ActFaxNotYet, dialogs.ActYear, dialogs.ActArrived, dialogs.ActNotArrived,
		dialogs.ActTick, dialogs.ActNotExpired, dialogs.ActDontKnow, dialogs.ActEnterDate, dialogs.ActRenewed,
		dialogs.ActShowRenew, dialogs.ActShowGone, dialogs.ActPaid, dialogs.ActTicketSent, dialogs.ActForgetYes,
		dialogs.ActForgetNo, "", "bogus",
	}
	fuzzArgs = []string{
		"", "0", "1", "2", "3", "-1", "x", "on", "off", "it", "en", "fr", "card", "postal", "bank",
		"2024", "2025", "2026", "2027", "2028", "2029", "1999", "abc", "99999999999999999999",
		"0:1", "1:1", "2:1", "0:0", "2:0", "3:1", "0:2", ":1", "1:",
		"2027-03-12", "2026-03-12", "2028-03-12", "2027-09-28", "2028-02-29", "2024-02-29", "2027-02-29",
		"1822291200", "1822290000", "-1",
	}
	fuzzSteps    = append(sortedSteps(), "", "bogus")
	fuzzTexts    = append(slices.Clone(typedAnswers), "boh", "l'altro ieri", "martedì 3 marzo 2025", "12 marzo", "2 ottobre", "29 febbraio 2028", "\xff\xfe", "   ")
	fuzzCommands = append(slices.Clone(dialogs.Commands), "nope", "")
	fuzzReasons  = []dialogs.WakeReason{
		dialogs.WakeFaxAsk, dialogs.WakeActCheck, dialogs.WakeActRecheck, dialogs.WakeChecklist,
		dialogs.WakeExpiry30, dialogs.WakeExpiry7, dialogs.WakeLastDay14, dialogs.WakeLastDay3, dialogs.WakeGone, "", "bogus",
	}
)

// FuzzDecodeThenStep feeds Step whatever storage may hold: Decode must
// never fail, and Step must answer any event from what it returns.
func FuzzDecodeThenStep(f *testing.F) {
	f.Add([]byte(`{"v":1,"step":"ren_day","pend":"2027-11-01"}`), uint8(4), uint8(22))
	f.Add([]byte(`{"v":1,"wake":{"at":"2027-10-08T10:00:00+02:00","why":"lastday_3"}}`), uint8(6), uint8(0))
	f.Add([]byte(`{"v":1,"step":"menu","resume":"act_wait","fax":"2027-09-30","act":"2027-10-08"}`), uint8(3), uint8(3))
	f.Add([]byte(`{"v":1,"step":"act_fax_year"}`), uint8(3), uint8(18))
	f.Add([]byte(`garbage`), uint8(5), uint8(0))
	f.Add([]byte(`{"v":1,"step":"renew","exp":"2027-07-02","remoff":true,"wake":{"at":"2027-10-01T10:00:00+02:00","why":"gone"}}`), uint8(4), uint8(0))
	f.Add([]byte(`{"v":1,"step":"act_fax_date","wake":{"at":"2027-09-30T10:00:00+02:00","why":"act_check","waited":true}}`), uint8(4), uint8(0))
	f.Add([]byte(`{"v":1,"step":"checklist","check":5}`), uint8(3), uint8(46))
	f.Fuzz(func(t *testing.T, stored []byte, kind, x uint8) {
		s, reset := dialogs.Decode(stored)
		if reset && !equalState(s, dialogs.State{Schema: dialogs.SchemaVersion, Lang: s.Lang}) {
			t.Fatalf("reset state %+v is not fresh", s)
		}
		if !dialogs.IsKnownStep(s.Step) || !dialogs.IsKnownStep(s.Resume) {
			t.Fatalf("Decode(%q) gave unknown steps %+v", stored, s)
		}
		now := thu30Sep
		var ev dialogs.Event
		switch kind % 5 {
		case 0:
			ev = dialogs.Event{Kind: dialogs.Command, Name: fuzzCommands[int(x)%len(fuzzCommands)]}
		case 1:
			ev = dialogs.Event{Kind: dialogs.Text, Text: fuzzTexts[int(x)%len(fuzzTexts)]}
		case 2, 3:
			ev = dialogs.Event{Kind: dialogs.Press, Action: fuzzActions[int(x)%len(fuzzActions)], Arg: fuzzArgs[int(x)%len(fuzzArgs)], From: s.Step}
		case 4:
			ev = dialogs.Event{Kind: dialogs.Woken, Reason: s.Wake.Reason, At: s.Wake.At}
			if s.Wake.At.After(now) {
				now = s.Wake.At
			}
		}
		next, fx := newDialog().Step(s, ev, now)
		if !dialogs.IsKnownStep(next.Step) {
			t.Fatalf("unknown step %q", next.Step)
		}
		for _, m := range fx.Messages {
			if m.Key == "" {
				t.Fatalf("message without key after %+v", ev)
			}
		}
		if ev.Kind != dialogs.Woken && len(fx.Messages) == 0 {
			t.Fatalf("member event %+v got no answer", ev)
		}
	})
}
