package dialogs

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// SchemaVersion is the version of State's serialised form. Bump it when a
// field changes meaning, and teach Decode to read (or politely reset) the old one.
const SchemaVersion = 1

// StepID names a state of the conversation. It is stored, so a rename needs a
// migration in Decode.
type StepID string

// State is all the conversation needs to remember about one member: where
// they are and the dates that decide their path. It holds no names and no
// message texts.
type State struct {
	Schema int    `json:"v"`
	Step   StepID `json:"step,omitempty"`
	Lang   string `json:"lang,omitempty"`
	// Resume is the journey step the member left to look at the menu; the
	// menu offers to go back to it, and its wake-up stays pending meanwhile.
	Resume StepID `json:"resume,omitempty"`

	// Activation path.
	Payment    string        `json:"pay,omitempty"`    // card, postal or bank: decides whether a receipt goes with the fax
	FaxDay     calendar.Date `json:"fax,omitempty"`    // the day the signed contracts were faxed
	Activation calendar.Date `json:"act,omitempty"`    // expected activation: the 5th working day after FaxDay
	Rechecked  bool          `json:"rechk,omitempty"`  // the one extra "did it arrive?" check was scheduled
	Checklist  uint8         `json:"check,omitempty"`  // bit i set: checklist item i done
	Nudged     bool          `json:"nudged,omitempty"` // the one checklist reminder was sent

	// Renewal path.
	Expiry calendar.Date `json:"exp,omitempty"` // the day the box expires or expired

	// Pending is a date the member typed in part (no year, or no day),
	// waiting for the missing piece.
	Pending calendar.Date `json:"pend,omitempty"`

	RemindersOff bool `json:"remoff,omitempty"`
	Wake         Wake `json:"wake,omitzero"`
}

// WakeReason says why a member is to be woken. It is stored with the wake-up
// and checked again when the wake-up fires, so a stale one does nothing.
type WakeReason string

// The reasons a member is woken.
const (
	WakeFaxAsk     WakeReason = "fax_ask"     // fax not sent yet: ask again
	WakeActCheck   WakeReason = "act_check"   // expected activation day: did the access e-mail arrive?
	WakeActRecheck WakeReason = "act_recheck" // it had not arrived: one more check
	WakeChecklist  WakeReason = "checklist"   // checklist not finished
	WakeExpiry30   WakeReason = "expiry_30"   // 30 days before expiry
	WakeExpiry7    WakeReason = "expiry_7"    // 7 days before expiry
	WakeLastDay14  WakeReason = "lastday_14"  // 14 days before the last day to keep the address
	WakeLastDay3   WakeReason = "lastday_3"   // 3 days before the last day to keep the address
	WakeGone       WakeReason = "gone"        // the day after the last day: the box is deleted
)

// Wake is the next time the member is to be woken, and why. The zero Wake
// means no wake-up is pending.
type Wake struct {
	At     time.Time  `json:"at,omitzero"`
	Reason WakeReason `json:"why,omitempty"`
	// Waited is set when the wake-up found the member typing a date and
	// waited a day; it waits only once, so an abandoned question cannot
	// hold a reminder back for good.
	Waited bool `json:"waited,omitempty"`
}

// IsZero reports whether no wake-up is pending.
func (w Wake) IsZero() bool { return w.Reason == "" }

// Encode serialises s for storage.
func Encode(s State) ([]byte, error) {
	s.Schema = SchemaVersion
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return b, nil
}

// Decode reads a stored state. A state from another schema version, or one
// that cannot be read, comes back as a fresh state (keeping the language when
// it can be read) with reset set, so that the member is told politely and
// starts again rather than meeting an error.
func Decode(b []byte) (s State, reset bool) {
	if len(b) == 0 {
		return State{Schema: SchemaVersion}, false
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Schema != SchemaVersion || !known(s.Step) || !known(s.Resume) {
		var lang struct {
			Lang string `json:"lang"`
		}
		_ = json.Unmarshal(b, &lang) // best effort: a broken state only loses its language
		return State{Schema: SchemaVersion, Lang: supportedLang(lang.Lang)}, true
	}
	if s.Lang != "" {
		s.Lang = supportedLang(s.Lang)
	}
	return s, false
}

// known reports whether id is a step of this version (or empty: not started).
func known(id StepID) bool {
	if id == "" {
		return true
	}
	_, ok := steps[id]
	return ok
}
