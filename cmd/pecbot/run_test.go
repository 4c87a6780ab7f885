package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestBadFlags(t *testing.T) {
	cleanEnv(t, nil)
	for _, tc := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"console", "--now", "nonsense"}, "--now"},
		{[]string{"console", "--now", "30/09/2027"}, "--now"},
		{[]string{"console", "--lang", "fr"}, "--lang"},
		{[]string{"console", "--lang", ""}, "--lang"},
		{[]string{"console", "--bogus"}, "bogus"},
		{[]string{"console", "--now"}, "now"},
		{[]string{"serve-me-coffee"}, "serve-me-coffee"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, strings.NewReader("/start\n"), &out, &errOut)
		if err == nil {
			t.Errorf("%q: no error", tc.args)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q does not mention %q", tc.args, err, tc.want)
		}
		if code := exitCode(err); code != 2 {
			t.Errorf("%q: exit code %d, want 2 (a usage error)", tc.args, code)
		}
		if out.Len() != 0 {
			t.Errorf("%q: the conversation started anyway:\n%s", tc.args, out.String())
		}
	}
}

func TestBadEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want []string // in the error
	}{
		{map[string]string{"TIME_ZONE": "Mars/Olympus"}, []string{"TIME_ZONE", "Mars/Olympus"}},
		{map[string]string{"TIME_ZONE": ""}, []string{"TIME_ZONE"}},
		{map[string]string{"REMIND_HOUR": "3"}, []string{"REMIND_HOUR", "3"}},
		{map[string]string{"REMIND_HOUR": "19"}, []string{"REMIND_HOUR"}},
		{map[string]string{"REMIND_HOUR": "ten"}, []string{"REMIND_HOUR"}},
		{map[string]string{"CLOSURES": "2027-13-01"}, []string{"CLOSURES", "2027-13-01"}},
		{map[string]string{"CLOSURES": "2027-08-14,domani"}, []string{"CLOSURES", "domani"}},
		{map[string]string{"DEFAULT_LANG": "fr"}, []string{"DEFAULT_LANG", "fr"}},
		// Every bad variable is named at once.
		{map[string]string{"TIME_ZONE": "Mars/Olympus", "REMIND_HOUR": "3", "DEFAULT_LANG": "fr"}, []string{"TIME_ZONE", "REMIND_HOUR", "DEFAULT_LANG"}},
	} {
		t.Run(strings.Join(tc.want, "+"), func(t *testing.T) {
			cleanEnv(t, tc.env)
			out, _, err := console(t, "/start\n", "--now", "2027-09-30T10:00")
			if err == nil {
				t.Fatalf("%v: no error", tc.env)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: error %q does not name %q", tc.env, err, w)
				}
			}
			if code := exitCode(err); code != 2 {
				t.Errorf("%v: exit code %d, want 2", tc.env, code)
			}
			if out != "" {
				t.Errorf("the conversation started anyway:\n%s", out)
			}
		})
	}
}

func TestGoodEnvironment(t *testing.T) {
	// A closure on Tue 5 Oct 2027 moves the activation after a fax on Thu
	// 30 Sep from Fri 8 to Mon 11 Oct (Fri 1, Wed 6, Thu 7, Fri 8, Mon 11); reminders at 9:00; English by default;
	// another Ordine's code.
	cleanEnv(t, map[string]string{
		"CLOSURES":        " 2027-10-05 , ",
		"REMIND_HOUR":     "9",
		"DEFAULT_LANG":    "en",
		"CONVENTION_CODE": "OMCEO-XX",
		"ORDINE_NAME":     "Ordine dei Medici di Nowhere",
		"LOG_LEVEL":       "debug",
	})
	out, errOut, err := console(t, "/start\n1\n1\n1\n1\n/advance 12d\n", "--now", "2027-09-30T10:00")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"Welcome! I am the PEC assistant of the Ordine dei Medici di Nowhere.",
		"code OMCEO-XX, reserved exclusively for the Ordine dei Medici di Nowhere",
		"In \"Codice convenzione\" type OMCEO-XX.",
		"by Monday 11 October 2027",
		"That is 11 calendar days and not 5",
		"Monday 4 October 2027 (San Francesco d'Assisi), Tuesday 5 October 2027 (closure), Saturday 9 October 2027 and Sunday 10 October 2027.",
		"I will write to you on Monday 11 October 2027 at 09:00",
		"⏰ (Mon 2027-10-11 09:00)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, bad := range []string{"OMCEO-LT", "Latina"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q although another Ordine is configured", bad)
		}
	}
	if !strings.Contains(errOut, `"level":"debug"`) {
		t.Errorf("LOG_LEVEL=debug logged nothing at debug level: %q", errOut)
	}
}

func TestTimeZone(t *testing.T) {
	// --now and "today" are read in TIME_ZONE: 06:30 on Fri 1 Oct in Tokyo
	// is still Thu 30 Sep in Rome, but a fax sent "today" there is of 1 Oct.
	cleanEnv(t, map[string]string{"TIME_ZONE": "Asia/Tokyo"})
	out, _, err := console(t, "/start\n1\n1\n1\n1\n", "--now", "2027-10-01T06:30")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Fax inviato venerdì 1 ottobre 2027.") {
		t.Errorf("the fax day is not taken in TIME_ZONE:\n%s", out)
	}
}

func TestDefaultLanguageFlagWins(t *testing.T) {
	cleanEnv(t, map[string]string{"DEFAULT_LANG": "en"})
	out, _, err := console(t, "/start\n", "--now", "2027-09-30T10:00", "--lang", "it")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Benvenuto!") {
		t.Errorf("--lang it did not win over DEFAULT_LANG=en:\n%s", out)
	}
}

func TestConsoleEmptyInput(t *testing.T) {
	cleanEnv(t, nil)
	out, errOut, err := console(t, "", "--now", "2027-09-30T10:00")
	if err != nil || out != "" || errOut != "" {
		t.Errorf("empty input: err %v, out %q, stderr %q; want nothing at all", err, out, errOut)
	}
}

func TestEchoFlag(t *testing.T) {
	cleanEnv(t, nil)
	out, _, err := console(t, "/start\n", "--now", "2027-09-30T10:00", "--echo=false")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "> /start") {
		t.Errorf("--echo=false echoed the input:\n%s", out)
	}
}

func TestDiagram(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"diagram"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	d := out.String()
	if !strings.HasPrefix(d, "stateDiagram-v2\n") {
		t.Errorf("the diagram does not start with stateDiagram-v2:\n%s", d)
	}
	for _, want := range []string{"[*] --> menu", "act_wait --> act_check", "renew --> renew"} {
		if !strings.Contains(d, want) {
			t.Errorf("the diagram lacks %q", want)
		}
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr: %s", errOut.String())
	}
	// The Ordine reviews it in the words members see.
	for _, want := range []string{"act_fax: attivazione, invio del fax", "act_fax --> act_fax_wait: Non ancora",
		"act_wait --> act_check: ⏰ è arrivata l'e-mail con i dati di accesso?", "ren_expiry --> renew: data scritta"} {
		if !strings.Contains(d, want) {
			t.Errorf("the diagram lacks %q", want)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"diagram", "--lang", "en"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := "act_fax --> act_fax_wait: Not yet"; !strings.Contains(out.String(), want) {
		t.Errorf("the English diagram lacks %q", want)
	}
}

func TestSubcommandHelp(t *testing.T) {
	for _, mode := range []string{"console", "diagram"} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{mode, "--help"}, strings.NewReader(""), &out, &errOut); err != nil {
			t.Errorf("%s --help: %v, want success", mode, err)
		}
		if !strings.Contains(errOut.String(), "-lang") {
			t.Errorf("%s --help does not list its flags: %q", mode, errOut.String())
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{arg}, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		help := out.String()
		for _, want := range append(configVars(), "console", "diagram", "--now", "--lang", "/clock", "/advance") {
			if !strings.Contains(help, want) {
				t.Errorf("%s does not mention %s", arg, want)
			}
		}
		// Defaults are shown, e.g. the convention code and the zone.
		for _, want := range []string{"Europe/Rome", "OMCEO-LT", "(default 10)"} {
			if !strings.Contains(help, want) {
				t.Errorf("%s does not show the default %s", arg, want)
			}
		}
	}
	// Without a command the usage goes to stderr, with an error.
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "TIME_ZONE") || out.Len() != 0 {
		t.Errorf("no command: err %v, stdout %q, usage on stderr %v", err, out.String(), strings.Contains(errOut.String(), "TIME_ZONE"))
	}
}

func TestExitCode(t *testing.T) {
	if c := exitCode(usageError{errors.New("x")}); c != 2 {
		t.Errorf("usage error: %d, want 2", c)
	}
	if c := exitCode(errors.Join(errors.New("wrapped"), usageError{errors.New("x")})); c != 2 {
		t.Errorf("wrapped usage error: %d, want 2", c)
	}
	if c := exitCode(errors.New("x")); c != 1 {
		t.Errorf("other error: %d, want 1", c)
	}
}

// The real binary, once: piped input, exit 0 at the end of the input; a
// bad flag exits 2 with the reason on stderr.
func TestBinary(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to build the binary with: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "pecbot")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := []string{"PATH=" + os.Getenv("PATH")} // none of the bot's variables: the defaults apply

	cmd := exec.Command(bin, "console", "--now", "2027-09-30T10:00")
	cmd.Env = env
	cmd.Stdin = strings.NewReader("/start\n1\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pecbot console: %v\nstderr: %s", err, stderr.String())
	}
	for _, want := range []string{"> /start", "Benvenuto!", "> 1", "https://www.pec.it/Convenzioni.aspx"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("pecbot console output lacks %q:\n%s", want, stdout.String())
		}
	}

	cmd = exec.Command(bin, "console", "--lang", "fr")
	cmd.Env = env
	stderr.Reset()
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("pecbot console --lang fr: %v, want exit status 2", err)
	}
	if !strings.HasPrefix(stderr.String(), "pecbot: ") || !strings.Contains(stderr.String(), "--lang") {
		t.Errorf("pecbot console --lang fr: stderr %q", stderr.String())
	}
}
