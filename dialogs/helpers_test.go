package dialogs_test

import (
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// The helpers of the table tests: a script of what the member does (press,
// text, cmd, wake, and moves of the clock), played through Dialog.Step, and
// a table runner that checks where the member ends up, what they are told
// and when they will be reminded.

var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newDialog() *dialogs.Dialog { return dialogs.New(calendar.New(), rome, 10) }

// at is a wall-clock time in Europe/Rome.
func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, rome) }

// day is a civil date.
func day(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

// wakeAt is the wake-up expected at a time, for a reason.
func wakeAt(why dialogs.WakeReason, t time.Time) dialogs.Wake {
	return dialogs.Wake{At: t, Reason: why}
}

// thu30Sep is "now" unless a case says otherwise: Thursday 30 September
// 2027, 10:00 in Rome. Monday 4 October 2027 is San Francesco, a holiday.
var thu30Sep = at(2027, 9, 30, 10, 0)

// act is one thing that happens in a script: an event, or a move of the clock.
type act struct {
	ev       dialogs.Event
	fromSet  bool          // a Press whose From is given, not the current step
	fire     bool          // fire the pending wake-up, at its time if that is later than now
	advance  time.Duration // move the clock forward
	setClock time.Time     // set the clock
}

// press presses a button of the current step's message.
func press(a dialogs.Action, arg string) act {
	return act{ev: dialogs.Event{Kind: dialogs.Press, Action: a, Arg: arg}}
}

// pressFrom presses a button of a message shown by step from (maybe an old one).
func pressFrom(from dialogs.StepID, a dialogs.Action, arg string) act {
	return act{ev: dialogs.Event{Kind: dialogs.Press, Action: a, Arg: arg, From: from}, fromSet: true}
}

// forgetYes presses the "yes, erase" button of a /forget asked at the given time.
func forgetYes(asked time.Time) act {
	return press(dialogs.ActForgetYes, strconv.FormatInt(asked.Unix(), 10))
}

// text types free text.
func text(s string) act { return act{ev: dialogs.Event{Kind: dialogs.Text, Text: s}} }

// cmd sends a /command (name without the slash).
func cmd(name string) act { return act{ev: dialogs.Event{Kind: dialogs.Command, Name: name}} }

// wake fires the current state's wake-up at its time.
func wake() act { return act{fire: true} }

// woken delivers a wake-up as given, at the current clock: stale ones included.
func woken(why dialogs.WakeReason, at time.Time) act {
	return act{ev: dialogs.Event{Kind: dialogs.Woken, Reason: why, At: at}}
}

// advance moves the clock forward.
func advance(d time.Duration) act { return act{advance: d} }

// clock sets the clock.
func clock(t time.Time) act { return act{setClock: t} }

// then is a script that continues another.
func then(prefix []act, more ...act) []act { return append(slices.Clone(prefix), more...) }

// play drives d.Step through the script from s at now, and returns the final
// state, the effects of the last event and the final clock.
func play(t testing.TB, d *dialogs.Dialog, s dialogs.State, now time.Time, acts ...act) (dialogs.State, dialogs.Effects, time.Time) {
	t.Helper()
	var fx dialogs.Effects
	for i, a := range acts {
		switch {
		case a.advance != 0:
			now = now.Add(a.advance)
			continue
		case !a.setClock.IsZero():
			now = a.setClock
			continue
		}
		ev := a.ev
		if a.fire {
			if s.Wake.IsZero() {
				t.Fatalf("script event %d: wake() but no wake-up is pending (step %q)", i, s.Step)
			}
			if now.Before(s.Wake.At) {
				now = s.Wake.At
			}
			ev = dialogs.Event{Kind: dialogs.Woken, Reason: s.Wake.Reason, At: s.Wake.At}
		}
		if ev.Kind == dialogs.Press && !a.fromSet {
			ev.From = s.Step
		}
		s, fx = d.Step(s, ev, now)
		s = stored(t, s)
	}
	return s, fx, now
}

// stored is s after a trip through storage, as the bot keeps it between
// two messages.
func stored(t testing.TB, s dialogs.State) dialogs.State {
	t.Helper()
	b, err := dialogs.Encode(s)
	if err != nil {
		t.Fatalf("encode %+v: %v", s, err)
	}
	back, reset := dialogs.Decode(b)
	if reset {
		t.Fatalf("state %s does not survive storage: decoded as reset", b)
	}
	return back
}

// Scripts reaching the usual places from a fresh state.
var (
	toMenu       = []act{cmd("start")}
	toActSteps   = then(toMenu, press(dialogs.ActGoActivate, ""))
	toActPay     = then(toActSteps, press(dialogs.ActBought, ""))
	toFaxDate    = then(toActFax("card"), press(dialogs.ActFaxOther, ""))
	toActWait    = then(toActFax("card"), press(dialogs.ActFaxToday, "")) // fax on Thu 30 Sep 2027
	toActCheck   = then(toActWait, wake())                                // Fri 8 Oct 2027 10:00
	toActLate    = then(toActCheck, press(dialogs.ActNotArrived, ""))
	toChecklist  = then(toMenu, press(dialogs.ActGoActive, ""))
	toRenExpiry  = then(toMenu, press(dialogs.ActGoRenew, ""))
	toRenUnknown = then(toRenExpiry, press(dialogs.ActDontKnow, ""))
	toGone       = then(toRenExpiry, text("1/1/2020"))
)

func toActFax(payment string) []act { return then(toActPay, press(dialogs.ActPay, payment)) }

// keys lists the locale keys of the messages, in order.
func keys(fx dialogs.Effects) []string {
	var ks []string
	for _, m := range fx.Messages {
		ks = append(ks, m.Key)
	}
	return ks
}

// message is the first message with the key, or fails.
func message(t testing.TB, fx dialogs.Effects, key string) dialogs.Message {
	t.Helper()
	for _, m := range fx.Messages {
		if m.Key == key {
			return m
		}
	}
	t.Fatalf("no message %q among %v", key, keys(fx))
	return dialogs.Message{}
}

// buttonsOf lists a message's buttons as "action:arg" (or "url:..."), row by row flattened.
func buttonsOf(m dialogs.Message) []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.URL != "" {
				out = append(out, "url:"+b.URL)
				continue
			}
			out = append(out, string(b.Action)+":"+b.Arg)
		}
	}
	return out
}

// lastButtons are the buttons under the last message: what the member can press now.
func lastButtons(fx dialogs.Effects) []string {
	if len(fx.Messages) == 0 {
		return nil
	}
	return buttonsOf(fx.Messages[len(fx.Messages)-1])
}

// sameWake compares wake-ups by instant, as they come back from storage.
func sameWake(a, b dialogs.Wake) bool { return a.Reason == b.Reason && a.At.Equal(b.At) }

func showWake(w dialogs.Wake) string {
	if w.IsZero() {
		return "none"
	}
	return string(w.Reason) + " at " + w.At.In(rome).Format("Mon 2006-01-02 15:04 MST")
}

// sameArg compares a message argument with what a case wants.
func sameArg(got, want any) bool {
	if wt, ok := want.(time.Time); ok {
		gt, ok := got.(time.Time)
		return ok && gt.Equal(wt)
	}
	return reflect.DeepEqual(got, want)
}

// flow is one row of a table test: from a state, a script of events, and
// what the member must notice.
type flow struct {
	name   string
	start  dialogs.State // zero: a member who never wrote
	now    time.Time     // zero: thu30Sep
	events []act
	step   dialogs.StepID          // where the member ends up
	wake   dialogs.Wake            // the reminder pending; zero: none
	keys   []string                // the keys of the last event's messages
	args   map[string]dialogs.Args // per message key, arguments that must have these values
	absent map[string][]string     // per message key, arguments that must not be there
	btns   []string                // when set: the buttons under the last message, as "action:arg"
	check  func(t *testing.T, s dialogs.State, fx dialogs.Effects)
}

func runFlows(t *testing.T, flows []flow) {
	t.Helper()
	for _, tc := range flows {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = thu30Sep
			}
			s, fx, _ := play(t, newDialog(), tc.start, now, tc.events...)
			if s.Step != tc.step {
				t.Errorf("step = %q, want %q", s.Step, tc.step)
			}
			if !sameWake(s.Wake, tc.wake) {
				t.Errorf("wake = %s, want %s", showWake(s.Wake), showWake(tc.wake))
			}
			if got := keys(fx); !slices.Equal(got, tc.keys) {
				t.Errorf("message keys = %q, want %q", got, tc.keys)
			}
			for key, want := range tc.args {
				m := message(t, fx, key)
				for name, w := range want {
					if g, ok := m.Args[name]; !ok || !sameArg(g, w) {
						t.Errorf("%s: arg %s = %v (present %v), want %v", key, name, g, ok, w)
					}
				}
			}
			for key, names := range tc.absent {
				m := message(t, fx, key)
				for _, name := range names {
					if g, ok := m.Args[name]; ok {
						t.Errorf("%s: arg %s = %v, want it absent", key, name, g)
					}
				}
			}
			if tc.btns != nil {
				if got := lastButtons(fx); !slices.Equal(got, tc.btns) {
					t.Errorf("buttons = %q, want %q", got, tc.btns)
				}
			}
			if tc.check != nil {
				tc.check(t, s, fx)
			}
		})
	}
}

// fixture is a way to reach a step, used by the tests that go over every step.
type fixture struct {
	name   string
	now    time.Time
	script []act
}

// fixtures reach every step, some in more than one state, so that every
// declared button is visible in at least one of them.
func fixtures() []fixture {
	return []fixture{
		{"menu", thu30Sep, toMenu},
		{"menu with a journey to resume", thu30Sep, then(toActWait, press(dialogs.ActMenu, ""))},
		{"act_steps", thu30Sep, toActSteps},
		{"act_pay", thu30Sep, toActPay},
		{"act_fax card", thu30Sep, toActFax("card")},
		{"act_fax bank", thu30Sep, toActFax("bank")},
		{"act_fax_date", thu30Sep, toFaxDate},
		{"act_fax_year", thu30Sep, then(toFaxDate, text("28/9"))},
		{"act_fax_wait", thu30Sep, then(toActFax("card"), press(dialogs.ActFaxNotYet, ""))},
		{"act_wait", thu30Sep, toActWait},
		{"act_check", thu30Sep, toActCheck},
		{"act_check past", thu30Sep, then(toFaxDate, text("20/09/2027"))},
		{"act_late", thu30Sep, toActLate},
		{"act_late rechecked", thu30Sep, then(toActLate, wake(), press(dialogs.ActNotArrived, ""))},
		{"checklist", thu30Sep, toChecklist},
		{"checklist one ticked", thu30Sep, then(toChecklist, press(dialogs.ActTick, "1:1"))},
		{"done", thu30Sep, then(toChecklist, press(dialogs.ActTick, "0:1"), press(dialogs.ActTick, "1:1"), press(dialogs.ActTick, "2:1"))},
		{"ren_expiry", thu30Sep, toRenExpiry},
		{"ren_year", thu30Sep, then(toRenExpiry, text("12/3"))},
		{"ren_day", thu30Sep, then(toRenExpiry, text("luglio 2027"))},
		{"renew with expiry", thu30Sep, then(toRenExpiry, text("15/12/2027"))},
		{"renew on the last day, the gone reminder next", thu30Sep, then(toRenExpiry, text("2/7/2027"))},
		{"renew not expired", thu30Sep, then(toRenExpiry, press(dialogs.ActNotExpired, ""))},
		{"ren_unknown", thu30Sep, toRenUnknown},
		{"ren_done", thu30Sep, then(toRenExpiry, text("15/12/2027"), press(dialogs.ActRenewed, ""))},
		{"gone", thu30Sep, toGone},
		{"ticket", thu30Sep, then(toGone, press(dialogs.ActPaid, ""))},
		{"react_wait", thu30Sep, then(toGone, press(dialogs.ActPaid, ""), press(dialogs.ActTicketSent, ""))},
		{"reminders off in act_wait", thu30Sep, then(toActWait, press(dialogs.ActRemind, "off"))},
		{"reminders off in act_fax_wait", thu30Sep, then(toActFax("card"), press(dialogs.ActFaxNotYet, ""), press(dialogs.ActRemind, "off"))},
		{"reminders off in act_late", thu30Sep, then(toActLate, press(dialogs.ActRemind, "off"))},
		{"reminders off in checklist", thu30Sep, then(toChecklist, press(dialogs.ActRemind, "off"))},
		{"reminders off in renew", thu30Sep, then(toRenExpiry, text("15/12/2027"), press(dialogs.ActRemind, "off"))},
		{"correcting the fax day, the activation check pending", thu30Sep, then(toActWait, press(dialogs.ActFaxOther, ""))},
		{"back to the expiry question, a renewal reminder pending", thu30Sep, then(toRenExpiry, text("15/12/2027"), press(dialogs.ActBack, ""))},
	}
}

// reach plays a fixture and returns where it leads.
func reach(t testing.TB, d *dialogs.Dialog, f fixture) (dialogs.State, time.Time) {
	t.Helper()
	s, _, now := play(t, d, dialogs.State{}, f.now, f.script...)
	return s, now
}

// sortedSteps lists every step, in a stable order.
func sortedSteps() []dialogs.StepID {
	ids := dialogs.Steps()
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func hasPrefixAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// equalState compares states as storage would: wake-ups by instant.
func equalState(a, b dialogs.State) bool {
	if !sameWake(a.Wake, b.Wake) {
		return false
	}
	a.Wake, b.Wake = dialogs.Wake{}, dialogs.Wake{}
	return reflect.DeepEqual(a, b)
}
