// Package locales holds the bot's texts in every language it speaks (it,
// en), embedded in the binary, and renders a text from its key, its
// arguments and the Ordine's facts.
//
// Texts are Telegram HTML (<b>, <i>, <code>); PlainText turns them into what
// a terminal shows. This package knows neither Telegram nor Redis nor the
// dialogs: arguments come as plain values.
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
type Renderer struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	facts      map[string]any
	loc        *time.Location
}

// New loads the embedded message files. Dates and times are shown in loc.
func New(facts Facts, loc *time.Location) (*Renderer, error) {
	b := i18n.NewBundle(language.Italian)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	r := &Renderer{bundle: b, localizers: map[string]*i18n.Localizer{}, facts: map[string]any{}, loc: loc}
	for _, lang := range Languages {
		if _, err := b.LoadMessageFileFS(files, lang+".toml"); err != nil {
			return nil, fmt.Errorf("load %s texts: %w", lang, err)
		}
		r.localizers[lang] = i18n.NewLocalizer(b, lang)
	}
	v := reflect.ValueOf(facts)
	for i := 0; i < v.NumField(); i++ {
		r.facts[v.Type().Field(i).Name] = html.EscapeString(v.Field(i).String())
	}
	return r, nil
}

// Keys lists the keys of lang's message file, sorted.
func Keys(lang string) ([]string, error) {
	b, err := files.ReadFile(lang + ".toml")
	if err != nil {
		return nil, fmt.Errorf("read %s texts: %w", lang, err)
	}
	var m map[string]any
	if err := toml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s texts: %w", lang, err)
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

// value prepares one argument: dates and times in words of lang, keys as
// their text, strings escaped; numbers and booleans stay as they are, so
// that templates can compare them.
func (r *Renderer) value(lang string, v any) (any, error) {
	switch v := v.(type) {
	case Keyed:
		return r.Render(lang, v.LocaleKey(), nil)
	case calendar.Date:
		return FormatDate(lang, v), nil
	case []calendar.Date:
		parts := make([]string, len(v))
		for i, d := range v {
			parts[i] = FormatDate(lang, d)
		}
		return joinList(lang, parts), nil
	case time.Time:
		if v.IsZero() { // unknown, like the zero calendar.Date: "" so that {{if}} is false
			return "", nil
		}
		return FormatTime(lang, v.In(r.loc)), nil
	case string:
		return html.EscapeString(v), nil
	}
	return v, nil
}
