package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
)

// TestTypedAnswers: a member who types a button's words instead of tapping
// it, or a command word without its slash, is understood; what is not
// clear stays text for the dialog (a date, or a hint with the buttons).
func TestTypedAnswers(t *testing.T) {
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	tap := func(n int) string { return "\x00" + string(rune('0'+n)) } // press the n-th button of the last replies
	tests := []struct {
		name   string
		lang   string
		script []string
		step   dialogs.StepID // where the member ends up
		first  string         // the start of the last reply's first message
	}{
		{"the whole label", "it", []string{"/start", tap(0), "Ho confermato l'acquisto"}, dialogs.StepActPayment, "Bene! Come hai pagato?"},
		{"the start of a label, lower case, no accents", "it", []string{"/start", tap(0), "ho confermato"}, dialogs.StepActPayment, "Bene!"},
		{"'si' when two buttons start with Sì: not clear, a hint", "it", []string{"/start", tap(0), tap(0), tap(0), "si"}, dialogs.StepActFax, "Per rispondere, tocca"},
		{"'non ancora'", "it", []string{"/start", tap(0), tap(0), tap(0), "non ancora"}, dialogs.StepActFaxWait, "Va bene."},
		{"'Sì!' when only one button starts with Sì", "it", []string{"/start", tap(0), tap(0), tap(0), tap(0), "/clock", "Sì!"}, dialogs.StepChecklist, "La tua PEC è attiva!"},
		{"'menu' anywhere", "it", []string{"/start", tap(1), "menu"}, dialogs.StepMenu, "<b>Menu</b>"},
		{"'aiuto': the help", "it", []string{"/start", tap(1), "aiuto"}, dialogs.StepRenExpiry, "<b>Come funziono</b>"},
		{"'contatti': the contacts", "it", []string{"/start", "contatti"}, dialogs.StepMenu, "<b>Contatti</b>"},
		{"'annulla' is not /cancel: a date question reads it as text", "it", []string{"/start", tap(1), "annulla"}, dialogs.StepRenExpiry, "Non riesco a leggere una data"},
		{"a date is still a date", "it", []string{"/start", tap(1), "12/03/2028"}, dialogs.StepRenew, "La tua PEC scade"},
		{"English: 'not yet'", "en", []string{"/start", tap(0), tap(0), tap(0), "not yet"}, dialogs.StepActFaxWait, "All right."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := newConversation(t, NewMemoryStore(), tc.lang)
			var replies []Reply
			var s dialogs.State
			clock := now
			for _, line := range tc.script {
				var ev dialogs.Event
				switch {
				case line == "/clock": // the activation day has come
					clock = time.Date(2027, 10, 8, 10, 0, 0, 0, rome(t))
					raw, _ := c.Store.Load(ctx, 1)
					st, _ := dialogs.Decode(raw)
					ev = dialogs.Event{Kind: dialogs.Woken, Reason: st.Wake.Reason, At: st.Wake.At}
				case len(line) == 2 && line[0] == 0:
					n := int(line[1] - '0')
					var all []ReplyButton
					for _, r := range replies {
						for _, row := range r.Buttons {
							all = append(all, row...)
						}
					}
					var err error
					if ev, err = dialogs.DecodeButton(all[n].Data); err != nil {
						t.Fatal(err)
					}
				case line[0] == '/':
					ev = dialogs.Event{Kind: dialogs.Command, Name: line[1:]}
				default:
					ev = dialogs.Event{Kind: dialogs.Text, Text: line}
				}
				var err error
				replies, s, err = c.Handle(ctx, 1, ev, clock)
				if err != nil {
					t.Fatal(err)
				}
			}
			if s.Step != tc.step {
				t.Errorf("step = %q, want %q", s.Step, tc.step)
			}
			if len(replies) == 0 || len(replies[0].Text) < len(tc.first) || replies[0].Text[:len(tc.first)] != tc.first {
				got := ""
				if len(replies) > 0 {
					got = replies[0].Text
				}
				t.Errorf("first reply = %q, want it to start with %q", got, tc.first)
			}
		})
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Sì, è arrivata":                     "si e arrivata",
		"  NON   ancora!":                    "non ancora",
		"🏠 Menu":                             "menu",
		"☑️ E-mail per il recupero password": "e mail per il recupero password",
		"":                                   "",
		"...":                                "",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// Members type at the same moment: folding texts at once gives each its
// own answer (a transformer shared between calls panicked or mixed texts).
func TestFoldConcurrently(t *testing.T) {
	texts := map[string]string{"Sì, è arrivata": "si e arrivata", "Perché? Non ancora": "perche non ancora", "ÀÉÌ òù": "aei ou"}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				for in, want := range texts {
					if got := fold(in); got != want {
						select {
						case errs <- fmt.Sprintf("goroutine %d, round %d: fold(%q) = %q; want %q", g, i, in, got, want):
						default:
						}
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
