package dialogs_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// Navigation, commands, the information buttons and refusals: what works
// from anywhere, and what a member who presses an old button is told.

func TestNavigation(t *testing.T) {
	actCheck := wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))
	menuButtons := []string{"go_act:", "go_ren:", "go_ok:", "contacts:", "help:"}
	resumeIs := func(want dialogs.StepID) func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		return func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
			t.Helper()
			if s.Resume != want {
				t.Errorf("Resume = %q, want %q", s.Resume, want)
			}
		}
	}
	runFlows(t, []flow{
		{
			name:   "/start on a fresh state: welcome and menu",
			events: []act{cmd("start")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
			btns:   menuButtons,
		},
		{
			name:   "first words typed: welcome and menu",
			events: []act{text("buongiorno")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
		},
		{
			name:   "an old button pressed by a member the bot does not know: welcome and menu",
			events: []act{pressFrom(dialogs.StepActFax, dialogs.ActFaxToday, "")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
			check:  noFax,
		},
		{
			name:   "menu from a journey keeps its reminder and offers to resume",
			events: then(toActWait, press(dialogs.ActMenu, "")),
			step:   dialogs.StepMenu,
			wake:   actCheck,
			keys:   []string{"step.menu"},
			btns:   append([]string{"resume:"}, menuButtons...),
			check:  resumeIs(dialogs.StepActWaiting),
		},
		{
			name:   "/menu is the menu button",
			events: then(toActWait, cmd("menu")),
			step:   dialogs.StepMenu,
			wake:   actCheck,
			keys:   []string{"step.menu"},
			btns:   append([]string{"resume:"}, menuButtons...),
			check:  resumeIs(dialogs.StepActWaiting),
		},
		{
			name:   "/start in a journey: welcome again, journey kept",
			events: then(toActWait, cmd("start")),
			step:   dialogs.StepMenu,
			wake:   actCheck,
			keys:   []string{"welcome", "step.menu"},
			check:  resumeIs(dialogs.StepActWaiting),
		},
		{
			name:   "resume returns to the journey, reminder untouched",
			events: then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActResume, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Activation": day(2027, 10, 8)}},
			check:  resumeIs(""),
		},
		{
			name:   "resume a question: the pending day and month are still there",
			events: then(toFaxDate, text("12/3"), press(dialogs.ActMenu, ""), press(dialogs.ActResume, "")),
			step:   dialogs.StepActFaxYear,
			keys:   []string{"step.ask_year"},
			btns:   []string{"year:2027-03-12", "year:2026-03-12", "back:", "menu:"},
		},
		{
			name:   "menu twice keeps the journey",
			events: then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActMenu, "")),
			step:   dialogs.StepMenu,
			wake:   actCheck,
			keys:   []string{"step.menu"},
			check:  resumeIs(dialogs.StepActWaiting),
		},
		{
			name:   "menu from a finished journey offers no resume",
			events: then(toChecklist, press(dialogs.ActTick, "0:1"), press(dialogs.ActTick, "1:1"), press(dialogs.ActTick, "2:1"), press(dialogs.ActMenu, "")),
			step:   dialogs.StepMenu,
			keys:   []string{"step.menu"},
			btns:   menuButtons,
			check:  resumeIs(""),
		},
		{
			name:   "resume with nothing to resume shows the menu",
			events: then(toMenu, press(dialogs.ActResume, "")),
			step:   dialogs.StepMenu,
			keys:   []string{"step.menu"},
		},
		{
			name:   "resume from an old menu while in a journey shows the journey",
			events: then(toActWait, pressFrom(dialogs.StepMenu, dialogs.ActResume, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"step.act_wait"},
		},
		{
			name:   "a new journey from the menu replaces the old one and its reminder",
			events: then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActGoRenew, "")),
			step:   dialogs.StepRenExpiry,
			keys:   []string{"step.ren_expiry"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				noFax(t, s, fx)
				resumeIs("")(t, s, fx)
			},
		},
		{
			name:   "/cancel forgets the journey, its dates and its reminder",
			events: then(toActWait, cmd("cancel")),
			step:   dialogs.StepMenu,
			keys:   []string{"cancelled", "step.menu"},
			btns:   menuButtons,
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				noFax(t, s, fx)
				if s.Payment != "" || s.Resume != "" {
					t.Errorf("Payment, Resume = %q, %q; want none", s.Payment, s.Resume)
				}
			},
		},
		{
			name:   "/cancel in a renewal forgets the expiry and the pending month",
			events: then(toRenExpiry, text("novembre 2027"), cmd("cancel")),
			step:   dialogs.StepMenu,
			keys:   []string{"cancelled", "step.menu"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.Expiry.IsZero() || !s.Pending.IsZero() {
					t.Errorf("Expiry, Pending = %v, %#v; want none", s.Expiry, s.Pending)
				}
			},
		},
		{
			name:   "/cancel keeps the language",
			events: then(toActWait, press(dialogs.ActLang, "en"), cmd("cancel")),
			step:   dialogs.StepMenu,
			keys:   []string{"cancelled", "step.menu"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Lang != "en" {
					t.Errorf("Lang = %q, want en", s.Lang)
				}
			},
		},
		{
			name:   "/cancel on a fresh state: welcome and menu",
			events: []act{cmd("cancel")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
		},
		{
			name:   "a button of an older step is stale: the member is shown where they are",
			events: then(toActWait, pressFrom(dialogs.StepActSteps, dialogs.ActBought, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			btns:   []string{"arrived:", "fax_other:", "remind:off", "calendar:", "back:", "menu:"},
		},
		{
			name:   "an old fax-today button does not record a second fax",
			events: then(toActWait, clock(at(2027, 10, 1, 9, 0)), pressFrom(dialogs.StepActFax, dialogs.ActFaxToday, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 30)}},
		},
		{
			name:   "an old Back button is stale too",
			events: then(toActWait, pressFrom(dialogs.StepActFax, dialogs.ActBack, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
		},
		{
			name:   "an action this step does not have is stale",
			events: then(toActWait, press(dialogs.ActPaid, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
		},
		{
			name:   "a hidden button pressed anyway is stale",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActEnterDate, "")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"hint.stale", "step.renew"},
		},
		{
			name:   "an unknown action is stale",
			events: then(toActWait, press("nonsense", "x")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
		},
		{
			name:   "unknown command: a hint and the current step",
			events: then(toActWait, cmd("frobnicate")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.unknown_command", "step.act_wait"},
		},
		{
			name:   "unknown command on a fresh state: welcome, a hint and the menu",
			events: []act{cmd("frobnicate")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "hint.unknown_command", "step.menu"},
		},
		{
			name:   "/help: shown over the step, with Back to it",
			events: then(toActWait, cmd("help")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"info.help"},
			btns:   []string{"here:", "menu:"},
		},
		{
			name:   "help button",
			events: then(toMenu, press(dialogs.ActHelp, "")),
			step:   dialogs.StepMenu,
			keys:   []string{"info.help"},
			btns:   []string{"here:", "menu:"},
		},
		{
			name:   "contacts button",
			events: then(toMenu, press(dialogs.ActContacts, "")),
			step:   dialogs.StepMenu,
			keys:   []string{"info.contacts"},
			btns:   []string{"here:", "menu:"},
		},
		{
			name:   "/contacts: shown over the step, with Back to it",
			events: then(toActWait, cmd("contacts")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"info.contacts"},
			btns:   []string{"here:", "menu:"},
		},
		{
			name:   "/contacts on a fresh state: welcome, then the contacts over the menu",
			events: []act{cmd("contacts")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "info.contacts"},
		},
		{
			name:   "/privacy",
			events: then(toActWait, cmd("privacy")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"info.privacy"},
			btns:   []string{"here:", "menu:"},
		},
		{
			name:   "Back under an information message shows the step again, nothing stale",
			events: then(toActWait, cmd("help"), press(dialogs.ActHere, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"step.act_wait"},
			btns:   []string{"arrived:", "fax_other:", "remind:off", "calendar:", "back:", "menu:"},
		},
		{
			name:   "/help on a fresh state: welcome, then the help over the menu",
			events: []act{cmd("help")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "info.help"},
			btns:   []string{"here:", "menu:"},
		},
		{
			name:   "/language offers Italian and English",
			events: then(toActWait, cmd("language")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"info.language"},
			btns:   []string{"lang:it", "lang:en", "here:", "menu:"},
		},
		{
			name:   "English chosen: said, and the step shown again",
			events: then(toActWait, cmd("language"), press(dialogs.ActLang, "en")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"lang.set", "step.act_wait"},
			check:  langIs("en"),
		},
		{
			name:   "back to Italian",
			events: then(toActWait, press(dialogs.ActLang, "en"), press(dialogs.ActLang, "it")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"lang.set", "step.act_wait"},
			check:  langIs("it"),
		},
		{
			name:   "a forged language is not applied",
			events: then(toActWait, press(dialogs.ActLang, "en"), press(dialogs.ActLang, "fr")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  langIs("en"),
		},
		{
			name:   "an empty language is not applied",
			events: then(toActWait, press(dialogs.ActLang, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  langIs(""),
		},
		{
			name:   "/forget asks to confirm, nothing changes yet",
			events: then(toActWait, cmd("forget")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"forget.confirm"},
			btns:   []string{"forget_yes:" + strconv.FormatInt(thu30Sep.Unix(), 10), "forget_no:"}, // yes carries when it was asked
		},
		{
			name:   "forget confirmed: everything erased",
			events: then(toActWait, press(dialogs.ActLang, "en"), cmd("forget"), forgetYes(thu30Sep)),
			step:   "",
			keys:   []string{"forget.done"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				if !fx.Forget {
					t.Error("Effects.Forget = false, want true")
				}
				if !equalState(s, dialogs.State{Schema: dialogs.SchemaVersion}) {
					t.Errorf("state = %+v, want a fresh one", s)
				}
			},
		},
		{
			name:   "forget confirmed 15 minutes after it was asked: still honoured",
			events: then(toActWait, cmd("forget"), advance(15*time.Minute), forgetYes(thu30Sep)),
			step:   "",
			keys:   []string{"forget.done"},
			check: func(t *testing.T, _ dialogs.State, fx dialogs.Effects) {
				if !fx.Forget {
					t.Error("Effects.Forget = false, want true")
				}
			},
		},
		{
			name:   "an old 'yes, erase' pressed more than 15 minutes later: stale, nothing erased",
			events: then(toActWait, cmd("forget"), advance(15*time.Minute+time.Second), forgetYes(thu30Sep)),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  nothingForgotten,
		},
		{
			name:   "a 'yes, erase' of a /forget asked the day before: stale",
			events: then(toActWait, cmd("forget"), advance(24*time.Hour), forgetYes(thu30Sep)),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  nothingForgotten,
		},
		{
			name:   "a 'yes, erase' dated in the future is forged: stale",
			events: then(toActWait, cmd("forget"), forgetYes(thu30Sep.Add(time.Minute))),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  nothingForgotten,
		},
		{
			name:   "a 'yes, erase' without when it was asked (an old button): stale",
			events: then(toActWait, cmd("forget"), press(dialogs.ActForgetYes, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  nothingForgotten,
		},
		{
			name:   "a 'yes, erase' with garbage for the time: stale",
			events: then(toActWait, cmd("forget"), press(dialogs.ActForgetYes, "soon")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"hint.stale", "step.act_wait"},
			check:  nothingForgotten,
		},
		{
			name:   "forget declined: all kept",
			events: then(toActWait, cmd("forget"), press(dialogs.ActForgetNo, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"forget.kept", "step.act_wait"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				if fx.Forget || s.FaxDay != day(2027, 9, 30) {
					t.Errorf("Forget %v, FaxDay %v; want nothing forgotten", fx.Forget, s.FaxDay)
				}
			},
		},
		{
			name:   "after forgetting, the next message starts over",
			events: then(toActWait, cmd("forget"), forgetYes(thu30Sep), text("ciao")),
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
		},
		{
			name:   "free text where buttons are expected: a hint with the buttons",
			events: then(toActFax("card"), text("sì, l'ho mandato")),
			step:   dialogs.StepActFax,
			keys:   []string{"hint.buttons"},
			btns:   []string{"fax_today:", "fax_other:", "fax_no:", "back:", "menu:"},
		},
		{
			name:   "a date typed instead of a button at the fax question: taken as the fax day",
			events: then(toActFax("card"), text("ieri")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 7, 10, 0)), // Wed 29 Sep + 5 working days, 4 Oct skipped
			keys:   []string{"step.act_wait"},
		},
		{
			name:   "an impossible date typed at the fax question: told why",
			events: then(toActFax("card"), text("31/02/2027")),
			step:   dialogs.StepActFax,
			keys:   []string{"date.no_such_day"},
		},
		{
			name:   "free text in the menu: a hint with the menu buttons",
			events: then(toMenu, text("rinnovo")),
			step:   dialogs.StepMenu,
			keys:   []string{"hint.buttons"},
			btns:   menuButtons,
		},
		{
			name:   "free text in the checklist: a hint with the boxes",
			events: then(toChecklist, text("fatto")),
			step:   dialogs.StepChecklist,
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 6, 10, 0)),
			keys:   []string{"hint.buttons"},
			btns:   []string{"tick:0:1", "tick:1:1", "tick:2:1", "remind:off", "back:", "menu:"},
		},
	})
}

// nothingForgotten checks that a refused /forget erased nothing.
func nothingForgotten(t *testing.T, s dialogs.State, fx dialogs.Effects) {
	t.Helper()
	if fx.Forget || s.FaxDay != day(2027, 9, 30) {
		t.Errorf("Forget %v, FaxDay %v; want nothing forgotten", fx.Forget, s.FaxDay)
	}
}

// The Italian names of the commands do what the commands do.
func TestCommandAliases(t *testing.T) {
	d := newDialog()
	aliases := map[string]string{
		"aiuto": "help", "stato": "status", "contatti": "contacts", "annulla": "cancel",
		"lingua": "language", "promemoria": "reminders", "dimentica": "forget",
	}
	for alias, name := range aliases {
		t.Run(alias, func(t *testing.T) {
			if !slices.Contains(dialogs.Commands, name) {
				t.Fatalf("%s stands for %s, which is not in Commands", alias, name)
			}
			s, _, now := play(t, d, dialogs.State{}, thu30Sep, toActWait...)
			gotS, gotFx := d.Step(s, dialogs.Event{Kind: dialogs.Command, Name: alias}, now)
			wantS, wantFx := d.Step(s, dialogs.Event{Kind: dialogs.Command, Name: name}, now)
			if !equalState(gotS, wantS) || !reflect.DeepEqual(gotFx, wantFx) {
				t.Errorf("/%s: %+v %q, want as /%s: %+v %q", alias, gotS, keys(gotFx), name, wantS, keys(wantFx))
			}
			if slices.Contains(keys(gotFx), "hint.unknown_command") {
				t.Errorf("/%s is not understood", alias)
			}
			// And as the first thing a newcomer types.
			gotS, gotFx = d.Step(dialogs.State{}, dialogs.Event{Kind: dialogs.Command, Name: alias}, now)
			wantS, wantFx = d.Step(dialogs.State{}, dialogs.Event{Kind: dialogs.Command, Name: name}, now)
			if !equalState(gotS, wantS) || !reflect.DeepEqual(gotFx, wantFx) {
				t.Errorf("/%s first: %q, want as /%s first: %q", alias, keys(gotFx), name, keys(wantFx))
			}
		})
	}
	// Not every Italian word is a command.
	_, fx := d.Step(dialogs.State{Step: dialogs.StepMenu}, dialogs.Event{Kind: dialogs.Command, Name: "rinnovo"}, thu30Sep)
	if got := keys(fx); !equalStrings(got, []string{"hint.unknown_command", "step.menu"}) {
		t.Errorf("/rinnovo: keys %q, want an unknown command", got)
	}
}

func langIs(want string) func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
	return func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		t.Helper()
		if s.Lang != want {
			t.Errorf("Lang = %q, want %q", s.Lang, want)
		}
	}
}

// Back from every step goes to its declared parent (the menu when it has
// none) and shows it.
func TestBackGoesToParent(t *testing.T) {
	d := newDialog()
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			s, now := reach(t, d, f)
			from := s.Step
			want := dialogs.DeclaredParent(from)
			if want == "" {
				want = dialogs.StepMenu
			}
			resume := s.Resume
			s, fx, _ := play(t, d, s, now, press(dialogs.ActBack, ""))
			if s.Step != want {
				t.Errorf("Back from %s: step = %q, want %q", from, s.Step, want)
			}
			if got, wantKey := keys(fx), dialogs.Shown(d, s, now).Key; len(got) != 1 || got[0] != wantKey {
				t.Errorf("Back from %s: keys = %q, want [%s]", from, got, wantKey)
			}
			// Back to the menu keeps the journey to resume, as Menu does.
			wantResume := dialogs.StepID("")
			switch {
			case from == dialogs.StepMenu:
				wantResume = resume
			case want == dialogs.StepMenu && from != dialogs.StepDone && from != dialogs.StepRenDone:
				wantResume = from
			}
			if s.Resume != wantResume {
				t.Errorf("Back from %s: Resume = %q, want %q", from, s.Resume, wantResume)
			}
		})
	}
}

// A typed date that is not usable is refused with the reason and an
// example, and the question stays, with its buttons.
func TestBadDates(t *testing.T) {
	questions := []struct {
		name   string
		script []act
		step   dialogs.StepID
		btns   []string
	}{
		{"fax", toFaxDate, dialogs.StepActFaxDate, []string{"back:", "menu:"}},
		{"expiry", toRenExpiry, dialogs.StepRenExpiry, []string{"not_expired:", "dont_know:", "back:", "menu:"}},
		{"fax year", then(toFaxDate, text("12/3")), dialogs.StepActFaxYear, []string{"year:2027-03-12", "year:2026-03-12", "back:", "menu:"}},
		{"expiry year", then(toRenExpiry, text("12/3")), dialogs.StepRenYear, []string{"year:2026-03-12", "year:2027-03-12", "year:2028-03-12", "back:", "menu:"}},
		{"expiry day", then(toRenExpiry, text("novembre 2027")), dialogs.StepRenDay, []string{"back:", "menu:"}},
	}
	texts := []struct{ typed, key string }{
		{"31/02/2025", "date.no_such_day"},
		{"31 febbraio", "date.no_such_day"},
		{"1/1/1900", "date.too_old"},
		{"12/03/99", "date.too_old"},
		{"1/1/2048", "date.too_far"},
		{"ciao", "date.not_a_date"},
		{"", "date.not_a_date"},
		{strings.Repeat("9", 300), "date.not_a_date"},
	}
	d := newDialog()
	for _, q := range questions {
		for _, tt := range texts {
			t.Run(q.name+"/"+tt.typed[:min(len(tt.typed), 12)], func(t *testing.T) {
				before, _, now := play(t, d, dialogs.State{}, thu30Sep, q.script...)
				after, fx, _ := play(t, d, before, now, text(tt.typed))
				if !equalState(after, before) {
					t.Errorf("state changed:\n got %+v\nwant %+v", after, before)
				}
				if after.Step != q.step {
					t.Errorf("step = %q, want %q", after.Step, q.step)
				}
				if got := keys(fx); len(got) != 1 || got[0] != tt.key {
					t.Fatalf("keys = %q, want [%s]", got, tt.key)
				}
				if got := fx.Messages[0].Args["Example"]; got != "30/09/2027" {
					t.Errorf("Example = %v, want 30/09/2027", got)
				}
				if got := lastButtons(fx); !equalStrings(got, q.btns) {
					t.Errorf("buttons = %q, want %q", got, q.btns)
				}
			})
		}
	}
}

// Callback data: what a button carries back through Telegram.
func TestDecodeButton(t *testing.T) {
	long := "1|" + strings.Repeat("a", 59) + "|b|" // 64 bytes: the limit
	cases := []struct {
		data string
		ok   bool
		want dialogs.Event
	}{
		{"1|act_fax_year|year|2027-03-12", true, dialogs.Event{Kind: dialogs.Press, From: "act_fax_year", Action: "year", Arg: "2027-03-12"}},
		{"1|checklist|tick|0:1", true, dialogs.Event{Kind: dialogs.Press, From: "checklist", Action: "tick", Arg: "0:1"}},
		{"1|menu|go_act|", true, dialogs.Event{Kind: dialogs.Press, From: "menu", Action: "go_act"}},
		{"1||menu|", true, dialogs.Event{Kind: dialogs.Press, Action: "menu"}}, // a global button of a message shown before any step
		{long, true, dialogs.Event{Kind: dialogs.Press, From: dialogs.StepID(strings.Repeat("a", 59)), Action: "b"}},
		{long + "c", false, dialogs.Event{}}, // 65 bytes
		{"", false, dialogs.Event{}},
		{"x", false, dialogs.Event{}},
		{"2|a|b|c", false, dialogs.Event{}},
		{"1|a|b", false, dialogs.Event{}},
		{"1|a|b|c|d", false, dialogs.Event{}},
		{"1|menu||x", false, dialogs.Event{}},
		{"|menu|go_act|", false, dialogs.Event{}},
		{"menu|go_act", false, dialogs.Event{}},
	}
	for _, tc := range cases {
		t.Run(tc.data, func(t *testing.T) {
			ev, err := dialogs.DecodeButton(tc.data)
			if (err == nil) != tc.ok {
				t.Fatalf("DecodeButton(%q) error = %v, want ok %v", tc.data, err, tc.ok)
			}
			if ev != tc.want {
				t.Errorf("DecodeButton(%q) = %+v, want %+v", tc.data, ev, tc.want)
			}
		})
	}
}

// Every button every step draws fits Telegram's 64 bytes and comes back as
// the same press.
func TestButtonsFitAndDecode(t *testing.T) {
	d := newDialog()
	for _, f := range fixtures() {
		s, now := reach(t, d, f)
		msgs := []dialogs.Message{dialogs.Shown(d, s, now)}
		for _, c := range append(dialogs.Commands, "nope") {
			_, fx := d.Step(s, dialogs.Event{Kind: dialogs.Command, Name: c}, now)
			msgs = append(msgs, fx.Messages...)
		}
		for _, m := range msgs {
			for _, row := range m.Buttons {
				for _, b := range row {
					checkButton(t, f.name, s.Step, b)
				}
			}
		}
	}
}

func checkButton(t testing.TB, where string, from dialogs.StepID, b dialogs.Button) {
	t.Helper()
	if b.Label == "" {
		t.Errorf("%s: button %+v has no label", where, b)
	}
	if (b.URL == "") == (b.Action == "") {
		t.Errorf("%s: button %+v must have either an action or a URL", where, b)
	}
	if b.URL != "" {
		return
	}
	data := dialogs.EncodeButton(from, b.Action, b.Arg)
	if len(data) > dialogs.MaxCallbackData {
		t.Errorf("%s: callback data %q is %d bytes, over %d", where, data, len(data), dialogs.MaxCallbackData)
	}
	ev, err := dialogs.DecodeButton(data)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if ev.Kind != dialogs.Press || ev.From != from || ev.Action != b.Action || ev.Arg != b.Arg {
		t.Errorf("%s: %q decodes to %+v", where, data, ev)
	}
}

// The stored state: every field survives, dates as ISO, and anything
// unreadable or from another version starts over politely.
func TestStateStorage(t *testing.T) {
	full := dialogs.State{
		Schema: dialogs.SchemaVersion, Step: dialogs.StepMenu, Lang: "en", Resume: dialogs.StepActLate,
		Payment: "bank", FaxDay: day(2027, 9, 30), Activation: day(2027, 10, 8),
		Rechecked: true, Checklist: 0b101, Nudged: true, Expiry: day(2028, 2, 29),
		Pending: calendar.Date{Month: 2, Day: 29}, RemindersOff: true,
		Wake: wakeAt(dialogs.WakeActRecheck, at(2027, 10, 12, 10, 0)),
	}
	b, err := dialogs.Encode(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"v":1`, `"fax":"2027-09-30"`, `"act":"2027-10-08"`, `"exp":"2028-02-29"`, `"pend":"0000-02-29"`, `"step":"menu"`, `"why":"act_recheck"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("encoded %s lacks %s", b, want)
		}
	}
	got, reset := dialogs.Decode(b)
	if reset || !equalState(got, full) {
		t.Errorf("round trip: reset %v\n got %+v\nwant %+v", reset, got, full)
	}

	t.Run("Encode sets the schema version", func(t *testing.T) {
		b, _ := dialogs.Encode(dialogs.State{Step: dialogs.StepMenu})
		if s, reset := dialogs.Decode(b); reset || s.Schema != dialogs.SchemaVersion {
			t.Errorf("Decode(%s) = %+v, reset %v", b, s, reset)
		}
	})

	t.Run("every reachable state survives storage", func(t *testing.T) {
		d := newDialog()
		for _, f := range fixtures() {
			s, _ := reach(t, d, f) // play already stores after every event
			if !dialogs.IsKnownStep(s.Step) {
				t.Errorf("%s: unknown step %q", f.name, s.Step)
			}
		}
	})

	resets := []struct {
		name, stored, lang string
		reset              bool
	}{
		{"nothing stored: a fresh state", "", "", false},
		{"garbage", "garbage", "it", true},
		{"not an object", "[1,2,3]", "it", true},
		{"old schema, language kept", `{"v":0,"step":"menu","lang":"en"}`, "en", true},
		{"no schema", `{"step":"menu","lang":"en"}`, "en", true},
		{"future schema", `{"v":2,"step":"menu"}`, "it", true},
		{"unknown resume step, language kept", `{"v":1,"step":"menu","resume":"act_fax_v0","lang":"en"}`, "en", true},
		{"unknown step, language kept", `{"v":1,"step":"act_fax_v0","lang":"en","fax":"2027-09-30"}`, "en", true},
		{"unreadable date, language kept", `{"v":1,"step":"act_wait","lang":"en","fax":"2027-02-30"}`, "en", true},
		{"old schema with an unknown language", `{"v":0,"lang":"fr"}`, "it", true},
	}
	for _, tc := range resets {
		t.Run(tc.name, func(t *testing.T) {
			var in []byte
			if tc.stored != "" {
				in = []byte(tc.stored)
			}
			s, reset := dialogs.Decode(in)
			if reset != tc.reset {
				t.Errorf("reset = %v, want %v", reset, tc.reset)
			}
			want := dialogs.State{Schema: dialogs.SchemaVersion, Lang: tc.lang}
			if !equalState(s, want) {
				t.Errorf("Decode = %+v, want %+v", s, want)
			}
		})
	}

	t.Run("a reset member starts from the menu", func(t *testing.T) {
		s, _ := dialogs.Decode([]byte(`{"v":0,"step":"whatever","lang":"en"}`))
		s, fx := newDialog().Step(s, dialogs.Event{Kind: dialogs.Text, Text: "ciao"}, thu30Sep)
		if s.Step != dialogs.StepMenu || s.Lang != "en" {
			t.Errorf("step, lang = %q, %q; want menu, en", s.Step, s.Lang)
		}
		if got := keys(fx); !equalStrings(got, []string{"welcome", "step.menu"}) {
			t.Errorf("keys = %q", got)
		}
	})

	t.Run("wake time is stored as an instant", func(t *testing.T) {
		b, _ := dialogs.Encode(dialogs.State{Step: dialogs.StepActWaiting, Wake: wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))})
		var raw struct {
			Wake struct {
				At time.Time `json:"at"`
			} `json:"wake"`
		}
		if err := json.Unmarshal(b, &raw); err != nil || !raw.Wake.At.Equal(at(2027, 10, 8, 10, 0)) {
			t.Errorf("stored wake %s: %v", b, err)
		}
		if b, _ := dialogs.Encode(dialogs.State{Step: dialogs.StepMenu}); strings.Contains(string(b), "wake") {
			t.Errorf("no wake-up pending, yet stored %s", b)
		}
	})
}

func TestDiagram(t *testing.T) {
	g := dialogs.Diagram(nil)
	for _, want := range []string{
		"stateDiagram-v2\n",
		"[*] --> menu\n",
		"act_wait --> act_check: ⏰ act_check\n",
		"act_late --> act_check: ⏰ act_recheck\n",
		"act_fax_wait --> act_fax: ⏰ fax_ask\n",
		"checklist --> checklist: ⏰ checklist\n",
		"renew --> renew: ⏰ expiry_30\n",
		"renew --> renew: ⏰ lastday_3\n",
		"renew --> gone: ⏰ gone\n",
		"ren_done --> ren_expiry: enter_date\n",
		"menu --> checklist: go_ok\n",
		"act_fax --> act_fax_wait: fax_no\n",
		"act_fax_date --> act_fax_year: typed date\n",
		"ren_expiry --> ren_day: typed date\n",
		"act_pay --> act_fax: pay\n",
		"checklist --> done: tick\n",
		"ren_year --> ren_day: typed date\n",
		"ren_day --> ren_year: typed date\n",
	} {
		if !strings.Contains(g, want) {
			t.Errorf("diagram lacks %q", strings.TrimSpace(want))
		}
	}
	// Back, Menu and the information buttons work everywhere: left out.
	for _, label := range []string{": back\n", ": menu\n", ": here\n", ": contacts\n", ": help\n", ": resume\n"} {
		if strings.Contains(g, label) {
			t.Errorf("diagram has an arrow labelled %q", strings.TrimSpace(label))
		}
	}
	for _, id := range dialogs.Steps() {
		if !strings.Contains(g, " "+string(id)+" ") && !strings.Contains(g, " "+string(id)+"\n") && !strings.Contains(g, " "+string(id)+":") {
			t.Errorf("step %s is not in the diagram", id)
		}
	}
	// Every arrow joins two steps that exist.
	for _, line := range strings.Split(strings.TrimSpace(g), "\n")[2:] {
		from, rest, ok := strings.Cut(strings.TrimSpace(line), " --> ")
		to, label, ok2 := strings.Cut(rest, ": ")
		if !ok || !ok2 || label == "" {
			t.Errorf("malformed line %q", line)
			continue
		}
		if !dialogs.IsKnownStep(dialogs.StepID(from)) || !dialogs.IsKnownStep(dialogs.StepID(to)) || from == "" || to == "" {
			t.Errorf("line %q joins an unknown step", line)
		}
	}
	if dialogs.Diagram(nil) != g {
		t.Error("Diagram is not deterministic")
	}
}
