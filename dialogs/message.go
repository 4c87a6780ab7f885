package dialogs

// Args are the named arguments of a message: strings, numbers, booleans,
// calendar.Date, []calendar.Date, time.Time, or a Ref to another text.
type Args map[string]any

// Ref is a locale key given as an argument: it is rendered as that text, in
// the member's language.
type Ref string

// LocaleKey returns the key the renderer looks up.
func (r Ref) LocaleKey() string { return string(r) }

// Message is one message to show the member: a locale key, its arguments and
// rows of buttons. Rendering into words is the locales package's job.
type Message struct {
	Key     string
	Args    Args
	Buttons [][]Button
	// Calendar, when set, is a file sent with the message (its text the
	// file's caption), for the member to add its dates to their calendar.
	Calendar *CalendarFile
}

// Button is one button under a message. A button either presses an Action
// (with an optional Arg) or opens URL.
type Button struct {
	Label     string // locale key
	LabelArgs Args   // arguments of Label
	Action    Action
	Arg       string
	URL       string // set for a link button; Action is then empty
}

// Effects is what a step asks the outside world to do.
type Effects struct {
	Messages []Message
	// Forget asks the adapter to erase everything held about the member
	// (the state that comes with it is the fresh one to keep, if any).
	Forget bool
}

func (e *Effects) say(m ...Message) { e.Messages = append(e.Messages, m...) }
