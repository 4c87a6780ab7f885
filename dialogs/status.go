package dialogs

// status tells the member where they are, their dates and next reminder.
func (d *Dialog) status(s State) Message {
	args := Args{}
	where := s.Step
	if where == StepMenu && s.Resume != "" {
		where = s.Resume
	}
	if where != "" {
		args["Step"] = Ref("where." + string(where))
	}
	if !s.FaxDay.IsZero() {
		args["Fax"] = s.FaxDay
		args["Activation"] = s.Activation
	}
	if !s.Expiry.IsZero() {
		args["Expiry"] = s.Expiry
		args["LastDay"] = LastDayToRenew(s.Expiry)
	}
	if !s.Wake.IsZero() {
		args["Wake"] = s.Wake.At
		args["WakeWhy"] = Ref("why." + string(s.Wake.Reason))
	}
	args["RemindersOff"] = s.RemindersOff
	btn := Button{Label: "btn.remind_off", Action: ActRemind, Arg: "off"}
	if s.RemindersOff {
		btn = Button{Label: "btn.remind_on", Action: ActRemind, Arg: "on"}
	}
	return Message{Key: "info.status", Args: args, Buttons: [][]Button{{btn}}}
}
