package telegramtest

import (
	"reflect"
	"testing"
)

func TestParseText(t *testing.T) {
	for _, tc := range []struct {
		mode, in, plain string
		ents            []entity
		err             string
	}{
		{mode: "HTML", in: `<b>bo<i>ld</i></b> 😀<a href='https://x.org/?a=1&amp;b'>x</a><pre><code class="language-go">y</code></pre>`,
			plain: "bold 😀xy", ents: []entity{
				{Type: "bold", Offset: 0, Length: 4}, {Type: "italic", Offset: 2, Length: 2},
				{Type: "text_link", Offset: 7, Length: 1, URL: "https://x.org/?a=1&b"},
				{Type: "pre", Offset: 8, Length: 1, Language: "go"},
			}},
		{mode: "html", in: `<blockquote expandable>q</blockquote><tg-emoji emoji-id="1">👍</tg-emoji><B class="x">&#x1F600;</B>`,
			plain: "q👍😀", ents: []entity{
				{Type: "expandable_blockquote", Offset: 0, Length: 1},
				{Type: "custom_emoji", Offset: 1, Length: 2, CustomEmojiID: "1"},
				{Type: "bold", Offset: 3, Length: 2},
			}},
		{mode: "HTML", in: `<tg-emoji>x</tg-emoji>`, err: "Custom emoji entity must contain a valid custom emoji identifier at byte offset 0"},
		{mode: "HTML", in: `<a href="x&y">x</a>`, err: `Character '&' in an attribute of the tag "a" at byte offset 0 must be escaped as &amp;`},
		{mode: "MarkdownV2", in: "*b _i_ *__u__ ~s~ ||sp|| `c\\`` ```go\ncode``` [t](https://x.org/\\)) ![👍](tg://emoji?id=5)",
			plain: "b i u s sp c` code t 👍", ents: []entity{
				{Type: "bold", Offset: 0, Length: 4}, {Type: "italic", Offset: 2, Length: 1},
				{Type: "underline", Offset: 4, Length: 1}, {Type: "strikethrough", Offset: 6, Length: 1},
				{Type: "spoiler", Offset: 8, Length: 2}, {Type: "code", Offset: 11, Length: 2},
				{Type: "pre", Offset: 14, Length: 4, Language: "go"},
				{Type: "text_link", Offset: 19, Length: 1, URL: "https://x.org/)"},
				{Type: "custom_emoji", Offset: 21, Length: 2, CustomEmojiID: "5"},
			}},
		{mode: "MarkdownV2", in: ">quote\n>more\nafter", plain: "quote\nmore\nafter",
			ents: []entity{{Type: "blockquote", Offset: 0, Length: 10}}},
		{mode: "MarkdownV2", in: "a_b", err: "Can't find end of Italic entity at byte offset 1"},
		{mode: "MarkdownV2", in: "1+1", err: `Character '+' is reserved and must be escaped with the preceding '\'`},
		{mode: "MarkdownV2", in: "[x](http://a", err: "Can't find end of a URL at byte offset 4"},
		{mode: "Markdown", in: "*b* _i_ `c` ```go\npre``` [t](https://x.org) a\\_b",
			plain: "b i c pre t a_b", ents: []entity{
				{Type: "bold", Offset: 0, Length: 1}, {Type: "italic", Offset: 2, Length: 1},
				{Type: "code", Offset: 4, Length: 1}, {Type: "pre", Offset: 6, Length: 3, Language: "go"},
				{Type: "text_link", Offset: 10, Length: 1, URL: "https://x.org"},
			}},
		{mode: "", in: "<b>*as is*</b>", plain: "<b>*as is*</b>"},
	} {
		plain, ents, err := parseText(tc.in, tc.mode)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s %q: error %v, want %s", tc.mode, tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || plain != tc.plain || !reflect.DeepEqual(ents, tc.ents) {
			t.Errorf("%s %q:\n got %q %+v %v\nwant %q %+v", tc.mode, tc.in, plain, ents, err, tc.plain, tc.ents)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	for s, n := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "👍🏽": 4, "日本": 2} {
		if got := utf16Len(s); got != n {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, n)
		}
	}
}
