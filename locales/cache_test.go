package locales

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// testRef is a Keyed argument, as dialogs.Ref is.
type testRef string

func (r testRef) LocaleKey() string { return string(r) }

func testRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		tb.Fatalf("load Europe/Rome: %v", err)
	}
	r, err := New(Latina(), loc, WithHolidays(calendar.New().Holiday))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return r
}

// cacheKey is the cache key of rendering key in lang with args, or "" when
// the text is not to be cached.
func cacheKey(lang, key string, args map[string]any) string {
	k, ok := appendCacheKey(nil, lang, key, args)
	if !ok {
		return ""
	}
	return string(k)
}

// Inputs that differ in anything give different keys, even where a naive
// encoding (name=value joined by separators, values printed with %v) would
// mix them up; the same inputs give the same key whatever the map's order.
func TestCacheKeyDistinguishesInputs(t *testing.T) {
	inputs := []struct {
		lang, key string
		args      map[string]any
	}{
		{"it", "btn.menu", nil},
		{"en", "btn.menu", nil},
		{"it", "btn.men", nil},
		{"itb", "tn.menu", nil},   // the lang/key boundary
		{"i", "tbtn.menu", nil},   // idem
		{"2:it", "btn.menu", nil}, // a field that looks like a length
		{"it", "btn.menu", map[string]any{"A": "1"}},
		{"it", "btn.menu", map[string]any{"A": 1}},
		{"it", "btn.menu", map[string]any{"A": int64(1)}},
		{"it", "btn.menu", map[string]any{"A": int8(1)}},
		{"it", "btn.menu", map[string]any{"A": uint(1)}},
		{"it", "btn.menu", map[string]any{"A": uint64(1)}},
		{"it", "btn.menu", map[string]any{"A": true}},
		{"it", "btn.menu", map[string]any{"A": "true"}},
		{"it", "btn.menu", map[string]any{"A": testRef("true")}},
		{"it", "btn.menu", map[string]any{"A": "check.item0"}},
		{"it", "btn.menu", map[string]any{"A": testRef("check.item0")}},
		{"it", "btn.menu", map[string]any{"A": ""}},
		{"it", "btn.menu", map[string]any{"B": "1"}},
		{"it", "btn.menu", map[string]any{"A": "1", "B": "2"}},
		{"it", "btn.menu", map[string]any{"A": "2", "B": "1"}},
		{"it", "btn.menu", map[string]any{"A": "1", "B": 2}},
		{"it", "btn.menu", map[string]any{"A": "16:string1:2"}},        // a value holding an encoded argument
		{"it", "btn.menu", map[string]any{"A": "1:B6:string1:2"}},      // idem
		{"it", "btn.menu", map[string]any{"A=1,B": "2"}},               // separators in names
		{"it", "btn.menu", map[string]any{"A": "1,B=2"}},               // and in values
		{"it", "btn.menu", map[string]any{"A": "1", "B=2": ""}},        // idem
		{"it", "btn.menu", map[string]any{"A:1": "x"}},                 // the colon of a field
		{"it", "btn.menu", map[string]any{"A": "1:x"}},                 // idem
		{"it", "btn.menu", map[string]any{"A": -1}},                    // signs
		{"it", "btn.menu", map[string]any{"A": "-1"}},                  // idem
		{"it", "btn.menu", map[string]any{"A": "1", "B": "2", "C": 3}}, // one more argument
	}
	seen := map[string]int{}
	for i, in := range inputs {
		k := cacheKey(in.lang, in.key, in.args)
		if k == "" {
			t.Errorf("input %d (%v) is not cacheable", i, in.args)
			continue
		}
		if j, ok := seen[k]; ok {
			t.Errorf("inputs %d (%s %s %v) and %d (%s %s %v) share the key %q",
				j, inputs[j].lang, inputs[j].key, inputs[j].args, i, in.lang, in.key, in.args, k)
		}
		seen[k] = i
	}

	// The same arguments, inserted in another order: the same key.
	names := []string{"Members", "Active", "Blocked", "Italian", "English", "Activating", "Waiting", "Overdue"}
	forward, backward := map[string]any{}, map[string]any{}
	for i, n := range names {
		forward[n] = i
	}
	for i := len(names) - 1; i >= 0; i-- {
		backward[names[i]] = i
	}
	if a, b := cacheKey("it", "info.staff_stats", forward), cacheKey("it", "info.staff_stats", backward); a == "" || a != b {
		t.Errorf("the same arguments in another order: keys %q and %q", a, b)
	}
	// No arguments is no arguments, however written.
	if a, b := cacheKey("it", "btn.menu", nil), cacheKey("it", "btn.menu", map[string]any{}); a != b {
		t.Errorf("nil and empty arguments: keys %q and %q", a, b)
	}
}

// countText is a named type that prints itself its own way.
type countText int

func (c countText) String() string { return "count " + strconv.Itoa(int(c)) }

func TestCacheableValues(t *testing.T) {
	yes := []any{"", "x", true, false, 1, int8(1), int16(1), int32(1), int64(1), uint(1), uint8(1), uint16(1), uint32(1), uint64(1), testRef("btn.menu")}
	no := []any{
		calendar.Date{Year: 2027, Month: time.October, Day: 8}, []calendar.Date{{Year: 2027, Month: time.October, Day: 8}}, []calendar.Date(nil),
		time.Time{}, time.Date(2027, 10, 8, 10, 0, 0, 0, time.UTC), nil, 1.5, countText(3), []string{"a"}, struct{}{},
	}
	for _, v := range yes {
		if !cacheable(v) {
			t.Errorf("%T %v: not cacheable, want cacheable", v, v)
		}
	}
	for _, v := range no {
		if cacheable(v) {
			t.Errorf("%T %v: cacheable, want not", v, v)
		}
		// One such argument among cacheable ones makes the text not cacheable.
		if k := cacheKey("it", "btn.todo", map[string]any{"Item": testRef("check.item0"), "X": v}); k != "" {
			t.Errorf("%T %v with a Keyed: key %q, want none", v, v, k)
		}
	}
}

// A second render comes from the cache: a text planted there is what Render
// gives back. A Keyed argument's text is cached under its own key too.
func TestRenderServedFromCache(t *testing.T) {
	r := testRenderer(t)
	first, err := r.Render("it", "btn.menu", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.cache.len(); n != 1 {
		t.Fatalf("after one render, %d cached texts, want 1", n)
	}
	k, _ := appendCacheKey(nil, "it", "btn.menu", nil)
	r.cache.put(k, "planted")
	if got, err := r.Render("it", "btn.menu", nil); err != nil || got != "planted" {
		t.Errorf("second render = %q, %v; want the cached %q", got, err, "planted")
	}
	// An unknown language is Italian, in the cache too.
	if got, err := r.Render("fr", "btn.menu", map[string]any{}); err != nil || got != "planted" {
		t.Errorf("render in fr = %q, %v; want the Italian cached %q", got, err, "planted")
	}
	r.cache.put(k, first)

	if _, err := r.Render("it", "btn.todo", map[string]any{"Item": testRef("check.item2")}); err != nil {
		t.Fatal(err)
	}
	if n := r.cache.len(); n != 3 { // btn.menu, btn.todo with its Item, check.item2
		t.Errorf("after a render with a Keyed, %d cached texts, want 3", n)
	}
}

// Texts with dates, lists of dates or times are rendered every time, with
// the holidays as they are at that time, and are not kept.
func TestDatesNotCached(t *testing.T) {
	closed := false
	holiday := func(d calendar.Date) (string, bool) { return calendarClosure, closed && d.Day == 4 }
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Latina(), loc, WithHolidays(holiday))
	if err != nil {
		t.Fatal(err)
	}
	render := func(key string, args map[string]any) string {
		t.Helper()
		s, err := r.Render("en", key, args)
		if err != nil {
			t.Fatalf("%s %v: %v", key, args, err)
		}
		return s
	}
	oct8 := map[string]any{"Date": calendar.Date{Year: 2027, Month: time.October, Day: 8}}
	oct9 := map[string]any{"Date": calendar.Date{Year: 2027, Month: time.October, Day: 9}}
	if a, b := render("btn.year", oct8), render("btn.year", oct9); a != "Friday 8 October 2027" || b != "Saturday 9 October 2027" {
		t.Errorf("two dates: %q and %q", a, b)
	}
	if a := render("btn.year", oct8); a != "Friday 8 October 2027" {
		t.Errorf("the first date again: %q", a)
	}
	at := func(h int) map[string]any { return map[string]any{"Date": time.Date(2027, 10, 8, h, 0, 0, 0, loc)} }
	if a, b := render("btn.year", at(10)), render("btn.year", at(11)); a != "Friday 8 October 2027 at 10:00" || b != "Friday 8 October 2027 at 11:00" {
		t.Errorf("two times: %q and %q", a, b)
	}
	// A list of days names the closures of the moment.
	wait := map[string]any{"Fax": calendar.Date{Year: 2027, Month: time.September, Day: 30}, "Activation": calendar.Date{Year: 2027, Month: time.October, Day: 8},
		"CalendarDays": 8, "Skipped": []calendar.Date{{Year: 2027, Month: time.October, Day: 3}, {Year: 2027, Month: time.October, Day: 4}}, "RemindersOff": true}
	before := render("step.act_wait", wait)
	closed = true
	after := render("step.act_wait", wait)
	if before == after || !strings.Contains(after, "Monday 4 October 2027 (closure)") {
		t.Errorf("a closure added: the text went from\n%q\nto\n%q", before, after)
	}
	if n := r.cache.len(); n != 0 {
		t.Errorf("after texts with dates only, %d cached texts, want 0", n)
	}
}

// A render that fails is not cached: it fails again, and leaves no trace.
func TestErrorsNotCached(t *testing.T) {
	r := testRenderer(t)
	for range 2 {
		if _, err := r.Render("it", "no.such_key", nil); err == nil {
			t.Error("unknown key: no error")
		}
		if _, err := r.Render("it", "step.checklist_left", map[string]any{"Left": "1", "Ticked": true}); err == nil {
			t.Error(`Left "1" compared with 1: no error`)
		}
		if _, err := r.Render("it", "btn.todo", map[string]any{"Item": testRef("no.such_key")}); err == nil {
			t.Error("a Keyed naming no key: no error")
		}
	}
	if n := r.cache.len(); n != 0 {
		t.Errorf("after failed renders only, %d cached texts, want 0", n)
	}
}

// leftText is step.checklist_left in Italian, ticked, with n items left.
func leftText(n int) string {
	if n == 1 {
		return "Segnato. Manca ancora 1 voce: tocca ogni voce quando l'hai fatta."
	}
	return fmt.Sprintf("Segnato. Mancano ancora %d voci: tocca ogni voce quando l'hai fatta.", n)
}

// More distinct inputs than the cache holds: it never holds more than its
// bound, the texts stay right, and it goes on caching after it was full.
func TestCacheBound(t *testing.T) {
	r := testRenderer(t)
	for n := range maxCachedTexts + 100 {
		got, err := r.Render("it", "step.checklist_left", map[string]any{"Left": n, "Ticked": true})
		if err != nil {
			t.Fatal(err)
		}
		if got != leftText(n) {
			t.Fatalf("Left %d: got %q, want %q", n, got, leftText(n))
		}
		if size := r.cache.len(); size > maxCachedTexts {
			t.Fatalf("after %d texts, %d cached, more than %d", n+1, size, maxCachedTexts)
		}
	}
	if size := r.cache.len(); size != 100 { // cleared when full, then 100 more
		t.Errorf("at the end, %d cached texts, want 100", size)
	}
	for _, n := range []int{0, 1, 2, maxCachedTexts - 1, maxCachedTexts + 99} {
		for range 2 {
			if got, err := r.Render("it", "step.checklist_left", map[string]any{"Left": n, "Ticked": true}); err != nil || got != leftText(n) {
				t.Errorf("Left %d again: got %q, %v; want %q", n, got, err, leftText(n))
			}
		}
	}
}

// The cache is cleared only to make room for a new text: replacing the text
// of a key already there keeps the others.
func TestCacheClearedWhenFull(t *testing.T) {
	c := textCache{max: 3}
	for _, k := range []string{"a", "b", "c"} {
		c.put([]byte(k), k)
	}
	c.put([]byte("b"), "B")
	if n := c.len(); n != 3 {
		t.Errorf("after replacing a text, %d cached, want 3", n)
	}
	c.put([]byte("d"), "d")
	if n := c.len(); n != 1 {
		t.Errorf("after a fourth text, %d cached, want 1 (cleared, then d)", n)
	}
	if got, ok := c.get([]byte("d")); !ok || got != "d" {
		t.Errorf("d = %q, %v; want d", got, ok)
	}
	if _, ok := c.get([]byte("a")); ok {
		t.Error("a still cached after the cache was cleared")
	}
}

// Many goroutines rendering more distinct inputs than a small cache holds,
// so that it is filled and cleared while others read it: the texts stay
// right (run with -race).
func TestCacheConcurrentClear(t *testing.T) {
	r := testRenderer(t)
	r.cache.max = 8
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				n := (i*7 + g) % 20
				got, err := r.Render("it", "step.checklist_left", map[string]any{"Left": n, "Ticked": true})
				if err != nil || got != leftText(n) {
					t.Errorf("Left %d: got %q, %v; want %q", n, got, err, leftText(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if n := r.cache.len(); n > 8 {
		t.Errorf("%d cached texts, more than 8", n)
	}
}

// BenchmarkRender measures a render served from the cache (no arguments, a
// Keyed, integers and a bool) against one with a date, rendered every time.
func BenchmarkRender(b *testing.B) {
	cases := []struct {
		name, key string
		args      map[string]any
	}{
		{"nil", "btn.menu", nil},
		{"keyed", "btn.todo", map[string]any{"Item": testRef("check.item2")}},
		{"ints", "step.checklist_left", map[string]any{"Left": 2, "Ticked": true}},
		{"date", "btn.year", map[string]any{"Date": calendar.Date{Year: 2027, Month: time.October, Day: 8}}},
	}
	r := testRenderer(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Render("it", c.key, c.args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("nil-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.Render("it", "btn.menu", nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
