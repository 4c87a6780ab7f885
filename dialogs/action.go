package dialogs

import (
	"fmt"
	"strings"
)

// Action is what a button does. Its name travels in Telegram's callback data,
// so it is short and stable.
type Action string

// Actions available from any step: they never go stale.
const (
	ActMenu     Action = "menu"     // main menu
	ActBack     Action = "back"     // the step's parent
	ActHere     Action = "here"     // show the current step again (under an information message)
	ActResume   Action = "resume"   // from the menu, back to the journey left for it
	ActContacts Action = "contacts" // all contacts
	ActHelp     Action = "help"     // how to use the bot
	ActStatus   Action = "status"   // where I am, dates, next reminder
	ActPrivacy  Action = "privacy"  // what is stored
	ActLang     Action = "lang"     // Arg: it or en
	ActRemind   Action = "remind"   // Arg: on or off
)

// Actions of the steps.
const (
	ActGoActivate Action = "go_act"
	ActGoRenew    Action = "go_ren"
	ActGoActive   Action = "go_ok"
	ActBought     Action = "bought"
	ActPay        Action = "pay" // Arg: card, postal, bank
	ActFaxToday   Action = "fax_today"
	ActFaxOther   Action = "fax_other"
	ActFaxNotYet  Action = "fax_no"
	ActYear       Action = "year" // Arg: the year confirming a date typed without one
	ActArrived    Action = "arrived"
	ActNotArrived Action = "not_arrived"
	ActTick       Action = "tick" // Arg: checklist item 0..2
	ActNotExpired Action = "not_expired"
	ActDontKnow   Action = "dont_know"
	ActEnterDate  Action = "enter_date"
	ActRenewed    Action = "renewed"
	ActShowRenew  Action = "show_renew"
	ActShowGone   Action = "show_gone"
	ActPaid       Action = "paid"
	ActTicketSent Action = "ticket_sent"
	ActCalendar   Action = "calendar" // the step's dates as a calendar file
	ActForgetYes  Action = "forget_yes"
	ActForgetNo   Action = "forget_no"
)

// global lists the actions accepted from any message, however old.
var global = map[Action]bool{
	ActMenu: true, ActHere: true, ActResume: true, ActContacts: true, ActHelp: true,
	ActStatus: true, ActPrivacy: true, ActLang: true, ActRemind: true,
	ActForgetYes: true, ActForgetNo: true, // the /forget confirmation belongs to no step
}

// MaxCallbackData is Telegram's limit on a button's callback data, in bytes.
const MaxCallbackData = 64

// callbackVersion prefixes callback data so that a future format can tell
// old buttons apart.
const callbackVersion = "1"

// EncodeButton writes what a button press must carry back: the step that
// showed it, the action and its argument. The result fits in MaxCallbackData.
func EncodeButton(from StepID, a Action, arg string) string {
	return strings.Join([]string{callbackVersion, string(from), string(a), arg}, "|")
}

// DecodeButton reads callback data written by EncodeButton into a Press
// event. Anything else (an old format, a forged or truncated value) is an
// error; the adapter answers it by showing the member's current step.
func DecodeButton(data string) (Event, error) {
	parts := strings.Split(data, "|")
	if len(parts) != 4 || parts[0] != callbackVersion || parts[2] == "" || len(data) > MaxCallbackData {
		return Event{}, fmt.Errorf("decode button %q: not a button of this bot", data)
	}
	return Event{Kind: Press, From: StepID(parts[1]), Action: Action(parts[2]), Arg: parts[3]}, nil
}
