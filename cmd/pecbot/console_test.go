package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from what the console prints")

// configVars are the names of every configuration variable.
func configVars() []string {
	var names []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			if k := f.Tag.Get("envconfig"); k != "" {
				names = append(names, k)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
	return names
}

// cleanEnv unsets every configuration variable for the test, so that the
// defaults apply whatever the machine's environment holds, then sets env.
func cleanEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range configVars() {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// console runs `pecbot console args...` on input and returns what it printed.
func console(t *testing.T, input string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"console"}, args...), strings.NewReader(input), &out, &errOut)
	return out.String(), errOut.String(), err
}

// readScript returns the member's lines of a script: lines starting with #
// explain the journey to a reader and are not typed.
func readScript(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".script"))
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		in.WriteString(line + "\n")
	}
	return in.String()
}

// golden compares got with testdata/name.golden, or rewrites it when
// rewrite is set, and says how they differ.
func golden(t *testing.T, name, got string, rewrite bool) string {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return ""
	}
	want, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("%v (run go test -update to write it)", err)
	}
	if got == string(want) {
		return ""
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; ; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("%s differs from line %d:\n got %q\nwant %q\n(after reading the whole diff, go test -update accepts it)", path, i+1, gl, wl)
		}
	}
}

// transcriptProblems lists what no member should ever see, golden or not.
func transcriptProblems(out string) []string {
	var problems []string
	for _, bad := range []string{"<no value>", "%!", " 1 gennaio 1 ", " 1 January 1 ", "0001", "{{", "}}", "<b>", "&amp;", "&lt;"} {
		if strings.Contains(out, bad) {
			problems = append(problems, fmt.Sprintf("transcript contains %q", bad))
		}
	}
	// Reminders go out at a civil hour: the default is 10:00, Rome time.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "⏰ (") && !strings.HasSuffix(line, " 10:00)") {
			problems = append(problems, fmt.Sprintf("a reminder not at 10:00: %q", line))
		}
	}
	return problems
}

// journey is a script typed at the console from the given time. Its
// transcript must match the golden file, read and checked by hand against
// DOMAIN.md (dates, weekdays, holidays, deadlines), and pass check.
type journey struct {
	name     string
	now      string
	lang     string
	noGolden bool                      // the transcript is checked by check only
	check    func(out string) []string // more problems to look for
}

var journeys = []journey{
	{name: "activation_fax_thursday", now: "2027-09-30T10:00", lang: "it"},
	{name: "activation_fax_thursday_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "calendar_file", now: "2027-09-30T10:00", lang: "it"},
	{name: "calendar_file_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "fax_not_yet", now: "2027-09-30T10:00", lang: "it"},
	{name: "fax_not_yet_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "access_late", now: "2027-10-01T10:00", lang: "it"},
	{name: "access_late_en", now: "2027-10-01T10:00", lang: "en"},
	{name: "checklist", now: "2027-10-08T10:00", lang: "it"},
	{name: "checklist_en", now: "2027-10-08T10:00", lang: "en"},
	{name: "renew_reminders", now: "2026-02-02T10:00", lang: "it"},
	{name: "renew_reminders_en", now: "2026-02-02T10:00", lang: "en"},
	{name: "expired_within_90", now: "2026-05-04T10:00", lang: "it"},
	{name: "expired_within_90_en", now: "2026-05-04T10:00", lang: "en"},
	{name: "renew_boundary", now: "2026-06-10T10:00", lang: "it"},
	{name: "renew_boundary_en", now: "2026-06-10T10:00", lang: "en"},
	{name: "reactivation", now: "2027-09-30T10:00", lang: "it"},
	{name: "reactivation_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "dont_remember", now: "2027-09-30T10:00", lang: "it"},
	{name: "dont_remember_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "partial_dates", now: "2026-05-04T10:00", lang: "it"},
	{name: "partial_dates_en", now: "2026-05-04T10:00", lang: "en"},
	{name: "bad_dates", now: "2027-09-30T10:00", lang: "it"},
	{name: "bad_dates_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "hints", now: "2027-09-30T10:00", lang: "it"},
	{name: "hints_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "commands", now: "2027-09-30T10:00", lang: "it"},
	{name: "commands_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "resume", now: "2027-09-30T10:00", lang: "it"},
	{name: "resume_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "language_switch", now: "2027-09-30T10:00", lang: "it"},
	{name: "language_switch_en", now: "2027-09-30T10:00", lang: "en"},
	// The first message is /language, with the default language: English is picked.
	{name: "language_first_en", now: "2027-09-30T10:00", lang: "it"},
	{name: "reminders_off", now: "2027-09-30T10:00", lang: "it"},
	{name: "reminders_off_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "reminders_off_before_fax", now: "2027-09-30T10:00", lang: "it"},
	{name: "reminders_off_before_fax_en", now: "2027-09-30T10:00", lang: "en"},
	{name: "cancel", now: "2027-09-30T10:00", lang: "it"},
	{name: "cancel_en", now: "2027-09-30T10:00", lang: "en"},
	// Fixed bugs: each of these once went wrong.
	// /forget's buttons answered "stale" and erased nothing.
	{name: "forget", now: "2027-09-30T10:00", lang: "it"},
	{name: "forget_en", now: "2027-09-30T10:00", lang: "en"},
	// A month-only Pending was stored with day 0 and came back as the last
	// day of the month before: "marzo 2026" then "2" gave 2 February.
	{name: "month_then_day", now: "2026-05-04T10:00", lang: "it"},
	{name: "month_then_day_en", now: "2026-05-04T10:00", lang: "en"},
	// Back under help, status or contacts answered "stale".
	{name: "overlay_back", now: "2027-09-30T10:00", lang: "it"},
	{name: "overlay_back_en", now: "2027-09-30T10:00", lang: "en"},
	// 29/02 for a fax in 2026 offered 29 February 2025, a day that does not exist.
	{name: "leap_day", now: "2026-05-04T10:00", lang: "it",
		check: func(out string) []string {
			var problems []string
			if strings.Contains(out, "29 febbraio 2025") {
				problems = append(problems, "a button offers 29 febbraio 2025, which does not exist")
			}
			if !strings.Contains(out, "giovedì 29 febbraio 2024") {
				problems = append(problems, "no button offers giovedì 29 febbraio 2024, the last 29 February")
			}
			return problems
		}},
	{name: "leap_day_en", now: "2026-05-04T10:00", lang: "en",
		check: func(out string) []string {
			var problems []string
			if strings.Contains(out, "29 February 2025") {
				problems = append(problems, "a button offers 29 February 2025, which does not exist")
			}
			if !strings.Contains(out, "Thursday 29 February 2024") {
				problems = append(problems, "no button offers Thursday 29 February 2024, the last 29 February")
			}
			return problems
		}},
}

func TestConsoleJourneys(t *testing.T) {
	for _, j := range journeys {
		t.Run(j.name, func(t *testing.T) {
			cleanEnv(t, nil)
			out, errOut, err := console(t, readScript(t, j.name), "--now", j.now, "--lang", j.lang)
			if err != nil {
				t.Fatalf("run: %v\nstderr: %s", err, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr: %s", errOut)
			}
			problems := transcriptProblems(out)
			if j.check != nil {
				problems = append(problems, j.check(out)...)
			}
			if !j.noGolden {
				if p := golden(t, j.name, out, *update); p != "" {
					problems = append(problems, p)
				}
			}
			if len(problems) > 0 {
				t.Error(strings.Join(problems, "\n"))
			}
		})
	}
}

// Every script has its journey, and every journey its files.
func TestEveryScriptIsRun(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "*.script"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, j := range journeys {
		known[j.name] = true
	}
	for _, s := range scripts {
		if name := strings.TrimSuffix(filepath.Base(s), ".script"); !known[name] {
			t.Errorf("%s is not in journeys", s)
		}
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, g := range goldens {
		if name := strings.TrimSuffix(filepath.Base(g), ".golden"); !known[name] {
			t.Errorf("%s belongs to no journey", g)
		}
	}
	for _, j := range journeys {
		_, err := os.Stat(filepath.Join("testdata", j.name+".golden"))
		if has := err == nil; has == j.noGolden {
			t.Errorf("journey %s: golden file present: %v, noGolden: %v", j.name, has, j.noGolden)
		}
	}
}
