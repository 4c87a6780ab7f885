// Package locales holds the bot's texts in every language it speaks (it,
// en), embedded in the binary, and renders a text from its key, its
// arguments and the Ordine's facts.
//
// Texts are Telegram HTML (<b>, <i>, <code>); PlainText turns them into what
// a terminal shows. This package knows neither Telegram nor Redis nor the
// dialogs: arguments come as plain values. Even the words dates and lists
// are written with (weekdays, months, "alle", "e") are in the message files,
// under the fmt.* keys.
package locales

import (
	"embed"
	"fmt"
	"html"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

//go:embed *.toml
var files embed.FS

// Languages are the languages with a message file; the first is the default.
var Languages = []string{"it", "en"}

// Keyed is an argument that names another text; it is rendered as that
// text in the same language.
type Keyed interface{ LocaleKey() string }

// Renderer turns keys into texts. It is safe for concurrent use.
//
// It keeps the texts it renders again and again: those whose arguments are
// none, or only strings, bools, integers and Keyed, are rendered once and
// then taken from a cache (bounded, cleared when full). Texts with dates or
// times are rendered every time.
type Renderer struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	facts      map[string]any
	loc        *time.Location
	words      map[string]words
	holiday    func(calendar.Date) (string, bool)
	cache      textCache
}

// Option changes how a Renderer writes its arguments.
type Option func(*Renderer)

// WithHolidays makes every day of a list of dates ([]calendar.Date) that is
// a holiday or a closure followed by its name: "lunedì 4 ottobre 2027 (San
// Francesco d'Assisi)". name tells the name of the holiday on a day, or false
// for ordinary days, weekends included (calendar.Calendar.Holiday does);
// names are shown as they are in every language, except a closure
// ("chiusura"), shown as the fmt.closure word of the language.
func WithHolidays(name func(calendar.Date) (string, bool)) Option {
	return func(r *Renderer) { r.holiday = name }
}

// New loads the embedded message files. Dates and times are shown in loc.
// It fails when a message file does not load, or when its fmt.* words are
// missing or malformed (not 7 weekdays, not 12 months, ...).
func New(facts Facts, loc *time.Location, opts ...Option) (*Renderer, error) {
	b := i18n.NewBundle(language.Italian)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	r := &Renderer{bundle: b, localizers: map[string]*i18n.Localizer{}, facts: map[string]any{}, loc: loc, words: map[string]words{}}
	r.cache.max = maxCachedTexts
	for _, lang := range Languages {
		if _, err := b.LoadMessageFileFS(files, lang+".toml"); err != nil {
			return nil, fmt.Errorf("load %s texts: %w", lang, err)
		}
		r.localizers[lang] = i18n.NewLocalizer(b, lang)
		msgs, err := messages(lang)
		if err != nil {
			return nil, err
		}
		if r.words[lang], err = parseWords(lang, msgs); err != nil {
			return nil, fmt.Errorf("load %s texts: %w", lang, err)
		}
	}
	v := reflect.ValueOf(facts)
	for i := 0; i < v.NumField(); i++ {
		r.facts[v.Type().Field(i).Name] = html.EscapeString(v.Field(i).String())
	}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// messages reads lang's message file as key -> text.
func messages(lang string) (map[string]any, error) {
	b, err := files.ReadFile(lang + ".toml")
	if err != nil {
		return nil, fmt.Errorf("read %s texts: %w", lang, err)
	}
	var m map[string]any
	if err := toml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s texts: %w", lang, err)
	}
	return m, nil
}

// Keys lists the keys of lang's message file, sorted.
func Keys(lang string) ([]string, error) {
	m, err := messages(lang)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Render returns the text of key in lang (Italian when lang is not
// spoken), with args filled in. Argument values are escaped for HTML.
func (r *Renderer) Render(lang, key string, args map[string]any) (string, error) {
	l, ok := r.localizers[lang]
	if !ok {
		lang, l = Languages[0], r.localizers[Languages[0]]
	}
	var room [128]byte // most keys fit: a hit then allocates nothing
	ck, cacheable := appendCacheKey(room[:0], lang, key, args)
	if cacheable {
		if text, ok := r.cache.get(ck); ok {
			return text, nil
		}
	}
	text, err := r.render(l, lang, key, args)
	if err != nil {
		return "", err // not cached: it fails again the same way
	}
	if cacheable {
		r.cache.put(ck, text)
	}
	return text, nil
}

// render is Render without the cache; lang is spoken, l its localizer.
func (r *Renderer) render(l *i18n.Localizer, lang, key string, args map[string]any) (string, error) {
	data := make(map[string]any, len(r.facts)+len(args))
	for k, v := range r.facts {
		data[k] = v
	}
	for k, v := range args {
		s, err := r.value(lang, v)
		if err != nil {
			return "", fmt.Errorf("render %s argument %s: %w", key, k, err)
		}
		data[k] = s
	}
	out, err := l.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil {
		return "", fmt.Errorf("render %s in %s: %w", key, lang, err)
	}
	if strings.Contains(out, "<no value>") {
		return "", fmt.Errorf("render %s in %s: an argument is missing", key, lang)
	}
	return strings.TrimSpace(out), nil
}

// value prepares one argument: dates, lists of dates and times in words of
// lang, keys as their text, strings escaped; numbers and booleans stay as
// they are, so that templates can compare them.
func (r *Renderer) value(lang string, v any) (any, error) {
	switch v := v.(type) {
	case Keyed:
		return r.Render(lang, v.LocaleKey(), nil)
	case calendar.Date:
		return r.FormatDate(lang, v), nil
	case []calendar.Date:
		return r.formatDays(lang, v), nil
	case time.Time:
		if v.IsZero() { // unknown, like the zero calendar.Date: "" so that {{if}} is false
			return "", nil
		}
		return r.FormatTime(lang, v), nil
	case string:
		return html.EscapeString(v), nil
	}
	return v, nil
}
