package locales

import (
	"slices"
	"strconv"
	"sync"
)

// maxCachedTexts bounds the cache of rendered texts. The texts worth
// caching (buttons, texts without arguments, a few counts) are some hundreds
// per language; the rest of the room is for one-off inputs, such as the
// staff's statistics, until the cache is cleared.
const maxCachedTexts = 4096

// textCache holds the texts rendered from inputs that always give the same
// text (see appendCacheKey), by cache key. It is safe for concurrent use.
//
// When full, it is cleared rather than left to stop growing: one-off inputs
// (counts that change every time) would otherwise fill it for good, and the
// texts rendered again and again, if they came later, would never be cached.
// Clearing costs one render of each text in use, then the cache is warm again.
// No per-entry bookkeeping (LRU) is needed for that, and the bound is exact.
//
// A map under a sync.RWMutex rather than a sync.Map: measured on 600 keys
// on two cores, a hit costs 18 ns serial and 22-38 ns in parallel, against
// 35-42 and 50-63 ns for sync.Map; and the bound needs the map's size and
// clearing under one lock. A hit looks the key up as m[string(b)], which does
// not allocate.
type textCache struct {
	mu    sync.RWMutex
	texts map[string]string
	max   int // at most this many texts
}

// get returns the text cached for key, if any.
func (c *textCache) get(key []byte) (string, bool) {
	c.mu.RLock()
	text, ok := c.texts[string(key)]
	c.mu.RUnlock()
	return text, ok
}

// put caches text for key, first clearing the cache if it is full.
func (c *textCache) put(key []byte, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.texts == nil {
		c.texts = make(map[string]string)
	}
	if _, ok := c.texts[string(key)]; !ok && len(c.texts) >= c.max {
		clear(c.texts)
	}
	c.texts[string(key)] = text
}

// len returns how many texts are cached.
func (c *textCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.texts)
}

// Cache keys are built from fields, each written as its length in decimal,
// a colon and its bytes ("2:it"), so that a field may contain any byte,
// separators and digits included, and still end where it should:
//
//	key   = field(lang) field(msgID) { field(name) field(type) field(text) }
//
// with the names sorted, so that the order of the map does not matter; type
// is the value's Go type ("string", "int64", ...; "Keyed" for a Keyed) and
// text the string, the Keyed's LocaleKey, or the number or bool as strconv
// writes it. A key reads back in one way only, so two different inputs never
// share one: "1" is 6:string1:1, 1 is 3:int1:1 and int64(1) is 5:int641:1.

// appendCacheKey appends to buf the cache key of rendering msgID in lang
// (already resolved to a spoken language) with args, and tells whether the
// text may be cached at all: only when every argument is a string, a bool, an
// integer or a Keyed (rendered with no arguments), whose text depends on
// nothing but the value. Dates and times are not cached: they are written
// with the holidays, which may change, and they differ for every member, so
// they would only fill the cache. Any other type is not cached either.
func appendCacheKey(buf []byte, lang, msgID string, args map[string]any) ([]byte, bool) {
	buf = appendField(buf, lang)
	buf = appendField(buf, msgID)
	if len(args) == 0 {
		return buf, true
	}
	var room [32]string // the names, sorted so that map order does not matter
	names := room[:0]
	for name := range args {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		buf = appendField(buf, name)
		var ok bool
		if buf, ok = appendArg(buf, args[name]); !ok {
			return buf, false
		}
	}
	return buf, true
}

// appendArg writes an argument's value, with its type, to a cache key;
// false when the value is not cacheable.
func appendArg(buf []byte, v any) ([]byte, bool) {
	var num [24]byte // an integer or bool, written
	switch v := v.(type) {
	case Keyed: // first, as Render takes a string type that is a Keyed for a key
		return appendValue(buf, "Keyed", v.LocaleKey()), true
	case string:
		return appendValue(buf, "string", v), true
	case bool:
		return appendValue(buf, "bool", strconv.AppendBool(num[:0], v)), true
	case int:
		return appendValue(buf, "int", strconv.AppendInt(num[:0], int64(v), 10)), true
	case int8:
		return appendValue(buf, "int8", strconv.AppendInt(num[:0], int64(v), 10)), true
	case int16:
		return appendValue(buf, "int16", strconv.AppendInt(num[:0], int64(v), 10)), true
	case int32:
		return appendValue(buf, "int32", strconv.AppendInt(num[:0], int64(v), 10)), true
	case int64:
		return appendValue(buf, "int64", strconv.AppendInt(num[:0], v, 10)), true
	case uint:
		return appendValue(buf, "uint", strconv.AppendUint(num[:0], uint64(v), 10)), true
	case uint8:
		return appendValue(buf, "uint8", strconv.AppendUint(num[:0], uint64(v), 10)), true
	case uint16:
		return appendValue(buf, "uint16", strconv.AppendUint(num[:0], uint64(v), 10)), true
	case uint32:
		return appendValue(buf, "uint32", strconv.AppendUint(num[:0], uint64(v), 10)), true
	case uint64:
		return appendValue(buf, "uint64", strconv.AppendUint(num[:0], v, 10)), true
	}
	return buf, false
}

// cacheable tells whether an argument's value gives the same text every
// time it is rendered. Only the predeclared types themselves qualify: a
// named type (type Count int) may print itself in its own way.
func cacheable(v any) bool {
	_, ok := appendArg(nil, v)
	return ok
}

// appendValue appends an argument's value to buf: its type and its text.
func appendValue[S string | []byte](buf []byte, typ string, text S) []byte {
	return appendField(appendField(buf, typ), text)
}

// appendField appends s to buf as a field of a cache key: its length, a
// colon, its bytes.
func appendField[S string | []byte](buf []byte, s S) []byte {
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	return append(buf, s...)
}
