package main

import (
	"fmt"
	"time"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/dialogs"
)

// press is one button a member presses, by its action and argument.
type press struct {
	action dialogs.Action
	arg    string
}

// toActivationWait is the journey from /start to "fax sent today": the
// member then waits for the activation check, a reminder five working
// days later.
var toActivationWait = []press{
	{dialogs.ActGoActivate, ""},
	{dialogs.ActBought, ""},
	{dialogs.ActPay, "postal"},
	{dialogs.ActFaxToday, ""},
}

// memberWaiting runs a new member through the real dialog at now, from
// /start pressing the buttons of toActivationWait as the bot showed them,
// and returns the state they end in: waiting for the activation check.
func memberWaiting(conv *bot.Conversation, now time.Time) (dialogs.State, error) {
	out, err := conv.Turn(nil, dialogs.Event{Kind: dialogs.Command, Name: "start"}, now)
	if err != nil {
		return dialogs.State{}, fmt.Errorf("journey: /start: %w", err)
	}
	for _, p := range toActivationWait {
		ev, err := findButton(out.Replies, p)
		if err != nil {
			return dialogs.State{}, fmt.Errorf("journey at step %q: %w", out.State.Step, err)
		}
		if out, err = conv.Turn(out.Encoded, ev, now); err != nil {
			return dialogs.State{}, fmt.Errorf("journey: press %s: %w", p.action, err)
		}
		if !out.Save {
			return dialogs.State{}, fmt.Errorf("journey: press %s saved nothing", p.action)
		}
	}
	if out.State.Wake.Reason != dialogs.WakeActCheck {
		return dialogs.State{}, fmt.Errorf("journey ended at step %q waiting for %+v; want the activation check", out.State.Step, out.State.Wake)
	}
	return out.State, nil
}

// findButton is the press of the button of replies (the last message
// first) that does p.
func findButton(replies []bot.Reply, p press) (dialogs.Event, error) {
	data, err := buttonData(replies, p)
	if err != nil {
		return dialogs.Event{}, err
	}
	return dialogs.DecodeButton(data)
}
