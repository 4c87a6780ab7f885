package locales

import (
	"strings"
	"testing"
	"time"
)

// A message file whose fmt.* words are missing or malformed is refused, and
// the error says which key is wrong.
func TestParseWordsRejects(t *testing.T) {
	for _, lang := range Languages {
		good, err := messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseWords(lang, good); err != nil {
			t.Fatalf("%s.toml as shipped: %v", lang, err)
		}
		tests := []struct {
			key   string
			value any // nil: the key is removed
			want  string
		}{
			{"fmt.weekdays", "lunedì martedì mercoledì giovedì venerdì sabato", "has 6 names, want 7"},
			{"fmt.weekdays", "a b c d e f g h", "has 8 names, want 7"},
			{"fmt.weekdays", "domenica,lunedì,martedì,mercoledì,giovedì,venerdì,sabato", "has 1 names, want 7"},
			{"fmt.weekdays", nil, "fmt.weekdays is missing"},
			{"fmt.months", "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre", "has 11 names, want 12"},
			{"fmt.months", "  ", "fmt.months is missing or empty"},
			{"fmt.months", 12, "fmt.months is missing"},
			{"fmt.and", "", "fmt.and is missing or empty"},
			{"fmt.closure", nil, "fmt.closure is missing"},
			{"fmt.date_time", "{{.Date}} alle", "does not show {{.Time}}"},
			{"fmt.date_time", "{{.Date}} alle {{.Ora}}", "fmt.date_time"},
			{"fmt.date_time", "{{.Date alle", "fmt.date_time"},
			{"fmt.holiday", "{{.Date}}", "does not show {{.Name}}"},
			{"fmt.holiday", nil, "fmt.holiday is missing"},
		}
		for _, tt := range tests {
			msgs := map[string]any{}
			for k, v := range good {
				msgs[k] = v
			}
			if tt.value == nil {
				delete(msgs, tt.key)
			} else {
				msgs[tt.key] = tt.value
			}
			_, err := parseWords(lang, msgs)
			if err == nil {
				t.Errorf("%s %s = %q: no error", lang, tt.key, tt.value)
				continue
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), lang+".toml") {
				t.Errorf("%s %s = %q: error %q, want it to name %s.toml and say %q", lang, tt.key, tt.value, err, lang, tt.want)
			}
		}
	}
}

// The words are those of each language, not one language for all.
func TestWordsPerLanguage(t *testing.T) {
	r, err := New(Latina(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	it, en := r.words["it"], r.words["en"]
	if it.weekdays[0] != "domenica" || en.weekdays[0] != "Sunday" || it.months[11] != "dicembre" || en.months[11] != "December" {
		t.Errorf("weekdays/months: it %v %v, en %v %v", it.weekdays, it.months, en.weekdays, en.months)
	}
	if it.and != "e" || en.and != "and" || it.closure != "chiusura" || en.closure != "closure" {
		t.Errorf("and/closure: it %q %q, en %q %q", it.and, it.closure, en.and, en.closure)
	}
	if got := joinList(en.and, []string{"a", "b", "c"}); got != "a, b and c" {
		t.Errorf("joinList = %q", got)
	}
}
