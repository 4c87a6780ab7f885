package main

import (
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The deployment files (deploy/, Dockerfile, docs) are read by people and
// by Docker, Caddy and systemd, never by the Go code: these tests keep them
// in step with it. They read the files only; nothing runs.

// envVar is one configuration variable: its envconfig name and default.
type envVar struct {
	name, def string
}

// envVars lists every variable envconfig reads into Config, with its
// default, from the struct tags. A field without an envconfig tag is an
// error: envconfig would still read it, under a name derived from the
// field's, which no one would think of documenting.
func envVars(t *testing.T) []envVar {
	t.Helper()
	var vars []envVar
	var walk func(typ reflect.Type)
	walk = func(typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if !f.IsExported() || f.Tag.Get("ignored") == "true" {
				continue
			}
			name := f.Tag.Get("envconfig")
			if f.Anonymous && f.Type.Kind() == reflect.Struct && name == "" {
				walk(f.Type)
				continue
			}
			if name == "" {
				t.Errorf("Config field %s has no envconfig tag", f.Name)
				continue
			}
			vars = append(vars, envVar{name: name, def: f.Tag.Get("default")})
		}
	}
	walk(reflect.TypeFor[Config]())
	return vars
}

// readRepoFile reads a file of the repository, by its path from the root.
func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// envLine is one NAME=value line of an environment file.
type envLine struct {
	line      int
	name      string
	value     string
	commented bool // #NAME=value: shown, not set
}

// envAssignment is a variable's line, set or shown commented out.
var envAssignment = regexp.MustCompile(`^(#?)([A-Z][A-Z0-9_]*)=(.*)$`)

// envMention is a variable named in a comment's prose, as NAME=.
var envMention = regexp.MustCompile(`\b([A-Z][A-Z0-9_]{2,})=`)

// parseEnvExample reads deploy/.env.example: its assignments, and the
// variables its comments mention as NAME=. Any other line is an error: the
// file must read the same to Docker Compose (env_file) and to systemd
// (EnvironmentFile), which agree on blank lines, # comments and
// NAME=value, not on much else.
func parseEnvExample(t *testing.T) (lines []envLine, mentioned map[string]int) {
	t.Helper()
	mentioned = map[string]int{}
	for i, l := range strings.Split(readRepoFile(t, "deploy/.env.example"), "\n") {
		n := i + 1
		if m := envAssignment.FindStringSubmatch(l); m != nil {
			lines = append(lines, envLine{line: n, name: m[2], value: m[3], commented: m[1] == "#"})
			if strings.Contains(m[3], " #") {
				t.Errorf(".env.example:%d: a comment after a value is part of the value for systemd", n)
			}
			continue
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if !strings.HasPrefix(l, "#") {
			t.Errorf(".env.example:%d: %q is neither a comment nor NAME=value", n, l)
			continue
		}
		for _, m := range envMention.FindAllStringSubmatch(l, -1) {
			mentioned[m[1]] = n
		}
	}
	return lines, mentioned
}

// TestEnvExampleNamesEveryVariable: deploy/.env.example names every
// variable of Config (as NAME= or #NAME=), once, and no other; a default
// it shows commented out is the real default.
func TestEnvExampleNamesEveryVariable(t *testing.T) {
	vars := envVars(t)
	defaults := map[string]string{}
	for _, v := range vars {
		defaults[v.name] = v.def
	}
	lines, mentioned := parseEnvExample(t)
	seen := map[string]int{}
	for _, l := range lines {
		def, known := defaults[l.name]
		switch {
		case !known:
			t.Errorf(".env.example:%d: %s is not a configuration variable (Config has no such envconfig tag)", l.line, l.name)
		case seen[l.name] != 0:
			t.Errorf(".env.example:%d: %s already appears on line %d", l.line, l.name, seen[l.name])
		case l.commented && def != "" && l.value != def:
			t.Errorf(".env.example:%d: #%s=%s shows a default, but the default is %q", l.line, l.name, l.value, def)
		}
		seen[l.name] = l.line
	}
	for _, v := range vars {
		if seen[v.name] == 0 {
			t.Errorf(".env.example does not name %s (as %s=... or #%s=...)", v.name, v.name, v.name)
		}
	}
	for name, line := range mentioned {
		if _, known := defaults[name]; !known {
			t.Errorf(".env.example:%d: the comment names %s=, which is not a configuration variable", line, name)
		}
	}
}

// TestEnvExampleValuesAreAccepted: the values the example sets or shows
// pass the configuration's checks, in polling mode and, with the example
// webhook address, in webhook mode.
func TestEnvExampleValuesAreAccepted(t *testing.T) {
	lines, _ := parseEnvExample(t)
	env := map[string]string{}
	for _, l := range lines {
		// A commented line with no value stands for "not set".
		if !l.commented || l.value != "" {
			env[l.name] = l.value
		}
	}
	cleanEnv(t, env)
	if _, err := loadConfig(); err != nil {
		t.Errorf("the values of deploy/.env.example: %v", err)
	}
	if env["REDIS_URL"] != "redis://redis:6379/0" {
		t.Errorf("REDIS_URL=%s in .env.example, want redis://redis:6379/0 (the compose service)", env["REDIS_URL"])
	}
	t.Setenv("TELEGRAM_TOKEN", "123456:example")
	t.Setenv("UPDATES", "webhook")
	t.Setenv("WEBHOOK_SECRET", "0123456789abcdef")
	if _, err := loadConfig(); err != nil {
		t.Errorf("the values of deploy/.env.example in webhook mode: %v", err)
	}
}

// composeServices splits a compose file's services into their blocks of
// lines (comments removed): a deliberately small reading of YAML, enough
// for files written as deploy/ writes them (two-space indentation).
func composeServices(t *testing.T, path string) (services map[string]string, topLevel string) {
	t.Helper()
	services = map[string]string{}
	var top strings.Builder
	inServices, current := false, ""
	for _, l := range strings.Split(readRepoFile(t, path), "\n") {
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		if strings.HasPrefix(strings.TrimSpace(l), "#") || strings.TrimSpace(l) == "" {
			continue
		}
		l = strings.TrimRight(l, " ")
		switch {
		case !strings.HasPrefix(l, " "): // a top-level key
			inServices, current = l == "services:", ""
			top.WriteString(l + "\n")
		case inServices && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   ") && strings.HasSuffix(l, ":"):
			current = strings.TrimSuffix(strings.TrimSpace(l), ":")
			services[current] = ""
		case inServices && current != "":
			services[current] += strings.TrimSpace(l) + "\n"
		default:
			top.WriteString(l + "\n")
		}
	}
	return services, top.String()
}

// TestDeployCompose: deploy/docker-compose.yml runs the bot and a Redis 7
// that persists to a named volume and is not published, both restarted
// and health-checked, the bot started once Redis is healthy.
func TestDeployCompose(t *testing.T) {
	services, top := composeServices(t, "deploy/docker-compose.yml")
	redis, bot := services["redis"], services["bot"]
	if redis == "" || bot == "" {
		t.Fatalf("deploy/docker-compose.yml: services %v, want redis and bot", slices.Sorted(maps.Keys(services)))
	}
	for _, want := range []string{
		"image: redis:7", "- --appendonly\n- \"yes\"", "- --appendfsync\n- everysec",
		"- redis-data:/data", "restart: unless-stopped", "healthcheck:", "test: [\"CMD-SHELL\", \"redis-cli ping | grep -q PONG\"]",
	} {
		if !strings.Contains(redis, want) {
			t.Errorf("the redis service lacks %q:\n%s", want, redis)
		}
	}
	if strings.Contains(redis, "ports:") {
		t.Errorf("the redis service publishes ports: Redis must stay on the compose network")
	}
	for _, want := range []string{
		"env_file: .env", "restart: unless-stopped", "healthcheck:", `test: ["CMD", "/pecbot", "healthcheck"]`,
		"depends_on:\nredis:\ncondition: service_healthy",
	} {
		if !strings.Contains(bot, want) {
			t.Errorf("the bot service lacks %q:\n%s", want, bot)
		}
	}
	if !strings.Contains(top, "volumes:\n  redis-data:") {
		t.Errorf("deploy/docker-compose.yml declares no named volume redis-data:\n%s", top)
	}

	// The example's REDIS_URL names the compose service.
	lines, _ := parseEnvExample(t)
	for _, l := range lines {
		if l.name != "REDIS_URL" {
			continue
		}
		u, err := url.Parse(l.value)
		if err != nil || services[u.Hostname()] == "" {
			t.Errorf(".env.example: REDIS_URL=%s does not name a service of deploy/docker-compose.yml", l.value)
		}
	}
}

// TestDeployComposeWebhook: the webhook override puts Caddy in front and
// the bot in webhook mode, and the Caddyfile forwards the path of the
// example's WEBHOOK_URL, and nothing else, to the bot.
func TestDeployComposeWebhook(t *testing.T) {
	services, _ := composeServices(t, "deploy/docker-compose.webhook.yml")
	if !strings.Contains(services["bot"], "UPDATES: webhook") {
		t.Errorf("the override does not set UPDATES: webhook:\n%s", services["bot"])
	}
	for _, want := range []string{"image: caddy:2", "- ./Caddyfile:/etc/caddy/Caddyfile:ro", `- "443:443"`, "restart: unless-stopped"} {
		if !strings.Contains(services["caddy"], want) {
			t.Errorf("the caddy service lacks %q:\n%s", want, services["caddy"])
		}
	}

	caddy := readRepoFile(t, "deploy/Caddyfile")
	handle := regexp.MustCompile(`(?m)^\s*handle (/\S*) \{`).FindStringSubmatch(caddy)
	if handle == nil {
		t.Fatal("deploy/Caddyfile has no `handle /path {` for the webhook")
	}
	if n := strings.Count(caddy, "reverse_proxy "); n != 1 || !strings.Contains(caddy, "reverse_proxy bot:8080") {
		t.Errorf("deploy/Caddyfile: %d reverse_proxy, want exactly one, to bot:8080 (the webhook's path only)", n)
	}
	lines, _ := parseEnvExample(t)
	for _, l := range lines {
		if l.name != "WEBHOOK_URL" {
			continue
		}
		u, err := url.Parse(l.value)
		if err != nil || u.Path != handle[1] {
			t.Errorf(".env.example: WEBHOOK_URL=%s, but deploy/Caddyfile forwards %s", l.value, handle[1])
		}
	}
}

// TestDeployDockerfile: a static binary, run as a non-root user, the bot by
// default, other commands as arguments.
func TestDeployDockerfile(t *testing.T) {
	d := readRepoFile(t, "Dockerfile")
	for _, want := range []string{"CGO_ENABLED=0", "ENTRYPOINT [\"/pecbot\"]", "\nEXPOSE 8080\n", "\nCMD []\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	final := d[strings.LastIndex(d, "\nFROM "):]
	if !strings.Contains(final, "FROM gcr.io/distroless/static") && !strings.Contains(final, "FROM scratch") {
		t.Errorf("the final stage is not distroless/static or scratch:\n%s", final)
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(final)
	if user == nil || user[1] == "root" || user[1] == "0" || strings.HasPrefix(user[1], "0:") {
		t.Errorf("the final stage does not run as a non-root user: %v", user)
	}
	if !strings.Contains(readRepoFile(t, "cmd/pecbot/main.go"), `_ "time/tzdata"`) {
		t.Error("cmd/pecbot/main.go no longer imports time/tzdata: the image has no zone database")
	}
}

// TestDeploySystemdUnit: deploy/pecbot.service runs as a dedicated user
// with the documented environment file, restarts, and is confined.
func TestDeploySystemdUnit(t *testing.T) {
	unit := readRepoFile(t, "deploy/pecbot.service")
	for _, want := range []string{
		"\nUser=pecbot\n", "\nEnvironmentFile=/etc/pecbot/pecbot.env\n", "\nRestart=on-failure\n",
		"\nNoNewPrivileges=yes\n", "\nProtectSystem=strict\n", "\nProtectHome=yes\n", "\nPrivateTmp=yes\n",
		"\nAfter=network-online.target redis-server.service\n", "\nWantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("deploy/pecbot.service lacks %q", strings.TrimSpace(want))
		}
	}
}

// TestDeployDocsLinks: every deploy/ file the README and docs name exists.
func TestDeployDocsLinks(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, d := range docs {
		files = append(files, filepath.ToSlash(strings.TrimPrefix(d, filepath.Join("..", "..")+string(filepath.Separator))))
	}
	path := regexp.MustCompile("`(deploy/[^`\\s]+)`")
	for _, f := range files {
		for _, m := range path.FindAllStringSubmatch(readRepoFile(t, f), -1) {
			if _, err := os.Stat(filepath.Join("..", "..", filepath.FromSlash(m[1]))); err != nil {
				t.Errorf("%s names %s, which does not exist", f, m[1])
			}
		}
	}
}
