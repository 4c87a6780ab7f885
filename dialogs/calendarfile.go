package dialogs

import (
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// CalendarFile is a calendar file for the member to open on their phone, so
// that a deadline the bot computed lands in their own calendar: its name
// and its events. Writing it (as iCalendar) is the adapter's job.
type CalendarFile struct {
	Name   string // locale key of the file's name, such as "pec-rinnovo.ics"
	Events []CalendarEvent
}

// CalendarEvent is one all-day event of a CalendarFile.
type CalendarEvent struct {
	// Kind names the event ("activation", "expiry", "last-day"). With Date
	// it identifies the event, so that a calendar given the same file twice
	// updates it instead of adding it again; it holds nothing personal.
	Kind        string
	Date        calendar.Date
	Title       string // locale key of the event's title
	Description string // locale key of the event's notes
	// Label is the locale key of the event in a few words ("expected
	// activation"): the text of the link that adds it to Google Calendar,
	// in a caption a doctor reads on a phone.
	Label string
	Args  Args // the arguments of Title, Description and Label
}

// calendarChoice is the button that sends the step's dates as a calendar
// file, shown once they are known. The member stays on the step: the file
// comes with the step's buttons under it. A date that has passed meanwhile
// is no event to add: the step's revisit applies instead, so to lists
// where it may lead besides the step itself.
func calendarChoice(known func(State) bool, file func(s State, today calendar.Date) Message, to ...StepID) choice {
	return choice{action: ActCalendar, label: "btn.calendar", to: to, visible: known,
		do: func(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
			var fx Effects
			if next, ok := d.revisited(s, now); ok {
				return d.enter(s, next, now, &fx)
			}
			return s, d.prompt(s, now, file(s, d.today(now)), fx)
		}}
}

// activationKnown reports whether the expected activation day is known.
func activationKnown(s State) bool { return !s.Activation.IsZero() }

// expiryGiven reports whether the box's expiry date is known.
func expiryGiven(s State) bool { return !s.Expiry.IsZero() }

// activationFile holds the day the access e-mail is expected.
func activationFile(s State, _ calendar.Date) Message {
	args := Args{"Fax": s.FaxDay, "Activation": s.Activation}
	return Message{Key: "info.calendar_act", Args: args, Calendar: &CalendarFile{
		Name: "info.cal_file_act",
		Events: []CalendarEvent{{Kind: "activation", Date: s.Activation,
			Title: "info.cal_act_title", Description: "info.cal_act_notes", Label: "info.cal_act_label", Args: args}},
	}}
}

// renewalFile holds the expiry, unless it is past, and the last day to
// renew keeping the address: one file, so that one tap adds both.
func renewalFile(s State, today calendar.Date) Message {
	last := LastDayToRenew(s.Expiry)
	expired := today.After(s.Expiry) // as renderRenew says it: on the day itself it "expires today"
	args := Args{"Expiry": s.Expiry, "LastDay": last, "Expired": expired}
	f := &CalendarFile{Name: "info.cal_file_ren"}
	if !expired {
		f.Events = append(f.Events, CalendarEvent{Kind: "expiry", Date: s.Expiry,
			Title: "info.cal_exp_title", Description: "info.cal_exp_notes", Label: "info.cal_exp_label", Args: args})
	}
	f.Events = append(f.Events, CalendarEvent{Kind: "last-day", Date: last,
		Title: "info.cal_last_title", Description: "info.cal_last_notes", Label: "info.cal_last_label", Args: args})
	return Message{Key: "info.calendar_ren", Args: args, Calendar: f}
}
