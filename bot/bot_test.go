package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/locales"
)

func rome(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newConversation(t testing.TB, store Store, lang string) *Conversation {
	t.Helper()
	loc := rome(t)
	texts, err := locales.New(locales.Latina(), loc)
	if err != nil {
		t.Fatal(err)
	}
	return &Conversation{Dialog: dialogs.New(nil, loc, 10), Texts: texts, Store: store, Lang: lang}
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	if b, err := m.Load(ctx, 7); b != nil || err != nil {
		t.Fatalf("Load of an unknown chat = %q, %v; want nil, nil", b, err)
	}
	state := []byte(`{"v":1}`)
	if err := m.Save(ctx, 7, state); err != nil {
		t.Fatal(err)
	}
	state[0] = 'X' // the store keeps its own copy
	if b, _ := m.Load(ctx, 7); string(b) != `{"v":1}` {
		t.Errorf("Load after Save = %q, want {\"v\":1}", b)
	}
	if b, _ := m.Load(ctx, 8); b != nil {
		t.Errorf("another chat sees %q", b)
	}
	if err := m.Save(ctx, 7, []byte(`{"v":2}`)); err != nil {
		t.Fatal(err)
	}
	if b, _ := m.Load(ctx, 7); string(b) != `{"v":2}` {
		t.Errorf("Save does not replace: %q", b)
	}
	if err := m.Forget(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if b, _ := m.Load(ctx, 7); b != nil {
		t.Errorf("Load after Forget = %q, want nil", b)
	}
	if err := m.Forget(ctx, 99); err != nil {
		t.Errorf("Forget of an unknown chat: %v", err)
	}
}

// Run with -race: the store is shared by every update handler.
func TestMemoryStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chat := int64(i % 3)
			for j := range 100 {
				_ = m.Save(ctx, chat, []byte(fmt.Sprint(j)))
				_, _ = m.Load(ctx, chat)
				if j%10 == 0 {
					_ = m.Forget(ctx, chat)
				}
			}
		}()
	}
	wg.Wait()
}

func TestFixedClock(t *testing.T) {
	at := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	c := FixedClock(at)
	if !c.Now().Equal(at) {
		t.Fatalf("Now = %v, want %v", c.Now(), at)
	}
	c.real = func() time.Time { return time.Now().Add(time.Hour) } // the wall clock runs on
	if !c.Now().Equal(at) {
		t.Errorf("a fixed clock moved by itself: %v", c.Now())
	}
	later := at.Add(8 * 24 * time.Hour)
	c.Set(later)
	if !c.Now().Equal(later) {
		t.Errorf("after Set forwards, Now = %v, want %v", c.Now(), later)
	}
	c.Set(at)
	if !c.Now().Equal(at) {
		t.Errorf("after Set backwards, Now = %v, want %v", c.Now(), at)
	}
}

func TestRealClockSet(t *testing.T) {
	real := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	c := &Clock{real: func() time.Time { return real }}
	if !c.Now().Equal(real) {
		t.Fatalf("Now = %v, want the real time %v", c.Now(), real)
	}
	target := time.Date(2027, 10, 8, 10, 0, 0, 0, time.UTC)
	c.Set(target)
	if !c.Now().Equal(target) {
		t.Errorf("after Set, Now = %v, want %v", c.Now(), target)
	}
	real = real.Add(90 * time.Minute) // the wall clock goes on, and so does this clock
	if want := target.Add(90 * time.Minute); !c.Now().Equal(want) {
		t.Errorf("90 minutes later, Now = %v, want %v", c.Now(), want)
	}

	// The true wall clock: Set moves it by an offset, and it keeps running.
	rc := RealClock()
	rc.Set(target)
	if d := rc.Now().Sub(target); d < 0 || d > time.Minute {
		t.Errorf("RealClock after Set is %v away from the target", d)
	}
}

func TestParseConsoleTime(t *testing.T) {
	loc := rome(t)
	good := map[string]time.Time{
		"2027-09-30T10:00":    time.Date(2027, 9, 30, 10, 0, 0, 0, loc),
		"2027-09-30T10:00:30": time.Date(2027, 9, 30, 10, 0, 30, 0, loc),
		"2027-09-30 10:00":    time.Date(2027, 9, 30, 10, 0, 0, 0, loc),
		"2027-09-30":          time.Date(2027, 9, 30, 0, 0, 0, 0, loc),
		"2027-03-28T03:30":    time.Date(2027, 3, 28, 3, 30, 0, 0, loc), // after the spring change
	}
	for in, want := range good {
		got, err := ParseConsoleTime(in, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseConsoleTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// The time is read in the given zone: 10:00 in Rome is 08:00 UTC in summer.
	if got, _ := ParseConsoleTime("2027-09-30T10:00", loc); got.UTC().Hour() != 8 {
		t.Errorf("10:00 Rome is %v UTC, want 08:00", got.UTC())
	}
	for _, in := range []string{"", "nonsense", "30/09/2027", "2027-13-01", "2027-02-30T10:00", "2027-09-30T25:00", "2027-09-30T10", "now"} {
		if got, err := ParseConsoleTime(in, loc); err == nil {
			t.Errorf("ParseConsoleTime(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "2027-09-30T10:00") {
			t.Errorf("ParseConsoleTime(%q) error %q gives no example", in, err)
		}
	}
}

func TestParseAdvance(t *testing.T) {
	good := map[string]time.Duration{
		"3d":    72 * time.Hour,
		"0d":    0,
		"8d":    8 * 24 * time.Hour,
		"12h":   12 * time.Hour,
		"30m":   30 * time.Minute,
		"1h30m": 90 * time.Minute,
		"0":     0,
	}
	for in, want := range good {
		got, err := parseAdvance(in)
		if err != nil || got != want {
			t.Errorf("parseAdvance(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "-5m", "3x", "tomorrow", "1.5d", "3 d", "d3"} {
		if got, err := parseAdvance(in); err == nil {
			t.Errorf("parseAdvance(%q) = %v, want an error", in, got)
		}
	}
}

// runConsole types input at a console standing at now and returns its output.
func runConsole(t *testing.T, now, input string, echo bool) string {
	t.Helper()
	loc := rome(t)
	at, err := ParseConsoleTime(now, loc)
	if err != nil {
		t.Fatal(err)
	}
	c := &Console{Conv: newConversation(t, NewMemoryStore(), "it"), Clock: FixedClock(at), Loc: loc, Echo: echo}
	var out bytes.Buffer
	if err := c.Run(context.Background(), strings.NewReader(input), &out); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out.String()
}

func TestConsoleClockCommands(t *testing.T) {
	out := runConsole(t, "2027-09-30T10:00", "/clock tomorrow\n/advance -1d\n/advance\n/clock\n/advance 1h\n/clock 2027-10-08\n", true)
	for _, want := range []string{
		`(not a time: "tomorrow" (write it like 2027-09-30T10:00))`,
		`(not a duration: "-1d" (write it like 3d, 12h or 30m))`,
		`(not a duration: "" (write it like 3d, 12h or 30m))`,
		`(not a time: "" (write it like 2027-09-30T10:00))`,
		"(clock: Thu 2027-09-30 11:00 CEST)",
		"(clock: Fri 2027-10-08 00:00 CEST)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestConsoleInput(t *testing.T) {
	// Blank lines are skipped; without Echo the input is not repeated; a
	// command's arguments and case do not matter; a number beyond the
	// buttons is text.
	out := runConsole(t, "2027-09-30T10:00", "\n   \n/START now\n99\n", false)
	if strings.Contains(out, "> ") {
		t.Errorf("input echoed without Echo:\n%s", out)
	}
	if !strings.HasPrefix(out, "Benvenuto!") {
		t.Errorf("/START now did not start:\n%s", out)
	}
	if !strings.Contains(out, "Per rispondere, tocca uno dei pulsanti qui sotto.") {
		t.Errorf("99 was not taken as text:\n%s", out)
	}
}

func TestConsoleQuotedNumber(t *testing.T) {
	// In the fax-day step, 1 presses Back, '1 is the text "1" (not a date).
	in := "/start\n1\n1\n1\n2\n'1\n1\n"
	out := runConsole(t, "2027-09-30T10:00", in, true)
	parts := strings.Split(out, "> '1\n")
	if len(parts) != 2 {
		t.Fatalf("no '1 in:\n%s", out)
	}
	after := strings.Split(parts[1], "> 1\n")
	if !strings.HasPrefix(after[0], "Non riesco a leggere una data.") {
		t.Errorf("'1 was not sent as text:\n%s", after[0])
	}
	if len(after) < 2 || !strings.HasPrefix(after[1], "Ora riceverai una e-mail") {
		t.Errorf("1 did not press Back to the fax question:\n%s", parts[1])
	}
}

func TestConsoleContextCancelled(t *testing.T) {
	loc := rome(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &Console{Conv: newConversation(t, NewMemoryStore(), "it"), Clock: FixedClock(time.Date(2027, 9, 30, 10, 0, 0, 0, loc)), Loc: loc}
	var out bytes.Buffer
	if err := c.Run(ctx, strings.NewReader("/start\n"), &out); err != nil {
		t.Errorf("Run with a cancelled context: %v, want nil", err)
	}
	if out.Len() != 0 {
		t.Errorf("Run with a cancelled context printed %q", out.String())
	}
}

func TestConsoleReadError(t *testing.T) {
	loc := rome(t)
	c := &Console{Conv: newConversation(t, NewMemoryStore(), "it"), Clock: FixedClock(time.Date(2027, 9, 30, 10, 0, 0, 0, loc)), Loc: loc}
	boom := errors.New("boom")
	err := c.Run(context.Background(), iotest.ErrReader(boom), &bytes.Buffer{})
	if !errors.Is(err, boom) {
		t.Errorf("Run on a failing reader = %v, want it to wrap %v", err, boom)
	}
}

func TestConsoleLongLine(t *testing.T) {
	// A pasted text far longer than bufio's default 64 KiB is refused as a date, not a crash.
	out := runConsole(t, "2027-09-30T10:00", "/start\n1\n1\n1\n2\n"+strings.Repeat("x", 200*1024)+"\n", false)
	if !strings.Contains(out, "Non riesco a leggere una data.") {
		t.Errorf("a long line was not answered as a bad date")
	}
}

// A state stored by another schema is not an error: the member is told and
// starts from the menu, in the language the old state had.
func TestHandleOldSchema(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	for name, tc := range map[string]struct {
		stored, lang, want string
	}{
		"old version":  {`{"v":0,"step":"act_wait","lang":"en"}`, "en", "The bot has been updated"},
		"future":       {`{"v":99,"step":"menu","lang":"it"}`, "it", "Il bot è stato aggiornato"},
		"unknown step": {`{"v":1,"step":"no_such_step","lang":"en"}`, "en", "The bot has been updated"},
		"garbage":      {`not json`, "it", "Il bot è stato aggiornato"},
		"bad language": {`{"v":0,"lang":"fr"}`, "it", "Il bot è stato aggiornato"},
	} {
		t.Run(name, func(t *testing.T) {
			store := NewMemoryStore()
			_ = store.Save(ctx, 5, []byte(tc.stored))
			conv := newConversation(t, store, "it")
			replies, next, err := conv.Handle(ctx, 5, dialogs.Event{Kind: dialogs.Text, Text: "ciao"}, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(replies) < 2 || !strings.HasPrefix(replies[0].Text, tc.want) {
				t.Fatalf("replies = %+v; want %q first, then the conversation", replies, tc.want)
			}
			if next.Lang != tc.lang {
				t.Errorf("language = %q, want %q", next.Lang, tc.lang)
			}
			if next.Step != dialogs.StepMenu {
				t.Errorf("step = %q, want the menu", next.Step)
			}
			raw, _ := store.Load(ctx, 5)
			if s, reset := dialogs.Decode(raw); reset || s.Step != dialogs.StepMenu {
				t.Errorf("stored state %s: reset %v, step %q; want a current state at the menu", raw, reset, s.Step)
			}
			// Told once only.
			replies, _, _ = conv.Handle(ctx, 5, dialogs.Event{Kind: dialogs.Command, Name: "menu"}, now)
			for _, r := range replies {
				if strings.HasPrefix(r.Text, tc.want) {
					t.Errorf("the reset is told again: %q", r.Text)
				}
			}
		})
	}
}

func TestHandleNewMemberLanguage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	conv := newConversation(t, NewMemoryStore(), "en")
	replies, next, err := conv.Handle(ctx, 1, dialogs.Event{Kind: dialogs.Command, Name: "start"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if next.Lang != "en" || !strings.HasPrefix(replies[0].Text, "Welcome!") {
		t.Errorf("a new member with Lang en: lang %q, first reply %q", next.Lang, replies[0].Text)
	}
}

// Buttons carry the step that showed them; pressing one of an older step
// does not act, it says so and shows where the member is.
func TestHandleStaleButton(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	conv := newConversation(t, NewMemoryStore(), "it")
	press := func(r Reply, label string) []Reply {
		t.Helper()
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Label, label) {
					if len(b.Data) > dialogs.MaxCallbackData {
						t.Errorf("button %q data %q is longer than Telegram allows", b.Label, b.Data)
					}
					ev, err := dialogs.DecodeButton(b.Data)
					if err != nil {
						t.Fatal(err)
					}
					replies, _, err := conv.Handle(ctx, 1, ev, now)
					if err != nil {
						t.Fatal(err)
					}
					return replies
				}
			}
		}
		t.Fatalf("no button %q in %+v", label, r.Buttons)
		return nil
	}
	last := func(rs []Reply) Reply { return rs[len(rs)-1] }
	menu, _, err := conv.Handle(ctx, 1, dialogs.Event{Kind: dialogs.Command, Name: "start"}, now)
	if err != nil {
		t.Fatal(err)
	}
	steps := press(last(menu), "Attivare una nuova PEC")
	pay := press(last(steps), "Ho confermato l'acquisto")
	if !strings.HasPrefix(last(pay).Text, "Bene! Come hai pagato?") {
		t.Fatalf("not at the payment: %q", last(pay).Text)
	}
	// The purchase button again, from the message before.
	again := press(last(steps), "Ho confermato l'acquisto")
	if len(again) != 2 || again[0].Text != "Quel pulsante era di un messaggio precedente. Ecco dove sei adesso:" ||
		!strings.HasPrefix(again[1].Text, "Bene! Come hai pagato?") {
		t.Errorf("stale button answered %+v", again)
	}
	// A global button (Menu) works from any old message.
	if m := press(last(steps), "Menu"); !strings.Contains(last(m).Text, "cosa devi fare?") {
		t.Errorf("the Menu button of an old message: %q", last(m).Text)
	}
}

// failingStore fails the operation named in fail.
type failingStore struct {
	*MemoryStore
	fail string
}

var errStore = errors.New("store down")

func (f failingStore) Load(ctx context.Context, chat int64) ([]byte, error) {
	if f.fail == "load" {
		return nil, errStore
	}
	return f.MemoryStore.Load(ctx, chat)
}

func (f failingStore) Save(ctx context.Context, chat int64, b []byte) error {
	if f.fail == "save" {
		return errStore
	}
	return f.MemoryStore.Save(ctx, chat, b)
}

func TestHandleStoreErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	for _, op := range []string{"load", "save"} {
		conv := newConversation(t, failingStore{NewMemoryStore(), op}, "it")
		replies, _, err := conv.Handle(ctx, 42, dialogs.Event{Kind: dialogs.Command, Name: "start"}, now)
		if !errors.Is(err, errStore) {
			t.Errorf("%s failing: err = %v, want it to wrap %v", op, err, errStore)
		} else if !strings.Contains(err.Error(), "chat 42") {
			t.Errorf("%s failing: %q does not name the chat", op, err)
		}
		if replies != nil {
			t.Errorf("%s failing: replies %+v, want none (nothing was saved)", op, replies)
		}
	}
}
