package dialogs_test

import (
	"testing"

	"github.com/omceo-latina/pecbot/dialogs"
)

// BenchmarkStep measures one ordinary update through the pure dialog: the
// fax sent today, which computes the expected activation and its reminder,
// with the state encoded and decoded as storage will.
//
//	go test -run=^$ -bench=Step -benchmem ./dialogs/
func BenchmarkStep(b *testing.B) {
	d := newDialog()
	s, _, _ := play(b, d, dialogs.State{}, thu30Sep, toActFax("card")...)
	raw, err := dialogs.Encode(s)
	if err != nil {
		b.Fatal(err)
	}
	ev := dialogs.Event{Kind: dialogs.Press, Action: dialogs.ActFaxToday, From: dialogs.StepActFax}
	b.ReportAllocs()
	for b.Loop() {
		st, _ := dialogs.Decode(raw)
		next, _ := d.Step(st, ev, thu30Sep)
		if _, err := dialogs.Encode(next); err != nil {
			b.Fatal(err)
		}
	}
}
