package dialogs

import (
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// ChecklistItems is the number of things to do right after the first access
// to a new box: recovery e-mail, copy of every message, notify the Ordine.
const ChecklistItems = 3

const checklistComplete = 1<<ChecklistItems - 1

func commonSteps() map[StepID]step {
	return map[StepID]step{
		// menu: nothing is known; a journey left for the menu may be resumed.
		StepMenu: {
			render: plain("step.menu"),
			choices: []choice{
				{action: ActResume, label: "btn.resume", visible: func(s State) bool { return s.Resume != "" }},
				{action: ActGoActivate, label: "btn.go_act", to: []StepID{StepActSteps}, do: startActivation},
				{action: ActGoRenew, label: "btn.go_ren", to: []StepID{StepRenExpiry}, do: startRenewal},
				{action: ActGoActive, label: "btn.go_ok", to: []StepID{StepChecklist}, do: startChecklist},
				{action: ActContacts, label: "btn.contacts"},
				{action: ActHelp, label: "btn.help"},
			},
		},
		// checklist: the box works; Checklist has the items done so far.
		StepChecklist: {
			parent: StepMenu,
			render: renderChecklist,
			choices: []choice{
				{action: ActTick, to: []StepID{StepChecklist, StepDone}, do: tick},
				stopReminders, startReminders,
			},
			wake: func(d *Dialog, s State, now time.Time) Wake {
				if s.Nudged || s.Checklist == checklistComplete {
					return Wake{}
				}
				return d.wakeOn(d.Cal.WorkingDaysAfter(d.today(now), 3), WakeChecklist)
			},
			reminds: []WakeReason{WakeChecklist},
		},
		// done: every checklist item is ticked.
		StepDone: {parent: StepChecklist, render: plain("step.done"), wake: noWake},
	}
}

func commonWakes() map[WakeReason]wakeRule {
	return map[WakeReason]wakeRule{
		WakeChecklist: {to: []StepID{StepChecklist}, handle: func(d *Dialog, s State, now time.Time) (State, Effects) {
			s.Step, s.Nudged, s.Wake = StepChecklist, true, Wake{}
			return s, d.prompt(s, now, Message{Key: "remind.checklist"}, Effects{})
		}},
	}
}

// renderChecklist shows the items with a box each, ticked or not.
func renderChecklist(_ *Dialog, s State, _ time.Time) Message {
	m := Message{Key: "step.checklist"}
	for i := 0; i < ChecklistItems; i++ {
		label, want := "btn.todo", "1"
		if s.Checklist&(1<<i) != 0 {
			label, want = "btn.done", "0"
		}
		// The argument says what the press wants ("item 0 done"), not
		// "toggle", so that a button of an older message cannot undo.
		m.Buttons = append(m.Buttons, []Button{{
			Label: label, LabelArgs: Args{"Item": Ref("check.item" + strconv.Itoa(i))},
			Action: ActTick, Arg: strconv.Itoa(i) + ":" + want,
		}})
	}
	return m
}

// tick marks one checklist item done or not done ("1:1", "1:0"); with all
// done, the member is finished.
func tick(d *Dialog, s State, ev Event, now time.Time) (State, Effects) {
	var fx Effects
	item, want, _ := strings.Cut(ev.Arg, ":")
	i, err := strconv.Atoi(item)
	if err != nil || i < 0 || i >= ChecklistItems || (want != "0" && want != "1") {
		fx.say(Message{Key: "hint.stale"})
		return s, d.show(s, now, fx)
	}
	if want == "1" {
		s.Checklist |= 1 << i
	} else {
		s.Checklist &^= 1 << i
	}
	if s.Checklist == checklistComplete {
		return d.enter(s, StepDone, now, &fx)
	}
	// The long explanation is already on screen: answer briefly, with the boxes.
	left := ChecklistItems - bits.OnesCount8(s.Checklist)
	ticked := s.Checklist&(1<<i) != 0
	return s, d.prompt(s, now, Message{Key: "step.checklist_left", Args: Args{"Left": left, "Ticked": ticked}}, fx)
}

// startActivation begins the activation path, forgetting any renewal; an
// activation already under way is resumed, not wiped (/cancel starts over).
func startActivation(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
	return d.startPath(s, now, StepActSteps, activationPath)
}

// startRenewal begins the renewal path, forgetting any activation; a renewal
// already under way is resumed.
func startRenewal(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
	return d.startPath(s, now, StepRenExpiry, renewalPath)
}

// startChecklist begins the checklist of a box already active, forgetting
// any other journey (its dates and reminders no longer apply); a checklist
// under way is resumed with its ticks.
func startChecklist(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
	return d.startPath(s, now, StepChecklist, checklistPath)
}

// startPath enters first, the first step of a path, unless the journey left
// for the menu is on that same path: then it goes back there, with its dates
// and reminder, since tapping the path again is no reason to lose them.
func (d *Dialog) startPath(s State, now time.Time, first StepID, path map[StepID]bool) (State, Effects) {
	if path[s.Resume] {
		return d.resume(s, now)
	}
	s = fresh(s)
	var fx Effects
	return d.enter(s, first, now, &fx)
}

// The steps of each path, for startPath.
var activationPath, renewalPath = map[StepID]bool{}, map[StepID]bool{}
var checklistPath = map[StepID]bool{StepChecklist: true}

func init() {
	for id := range activationSteps() {
		activationPath[id] = true
	}
	for id := range renewalSteps() {
		renewalPath[id] = true
	}
}

// fresh keeps only the member's preferences: a new journey starts clean.
func fresh(s State) State {
	return State{Schema: SchemaVersion, Lang: s.Lang, RemindersOff: s.RemindersOff}
}

// wakeOn is a wake-up at the reminder hour of day.
func (d *Dialog) wakeOn(day calendar.Date, why WakeReason) Wake {
	return Wake{At: day.At(d.RemindHour, 0, d.Loc), Reason: why}
}
