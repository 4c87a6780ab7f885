package bot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/storage"
)

// StaffCommands are the commands of the Ordine's staff. From anyone else
// they are unknown commands, answered as any other: nothing says they
// exist.
var StaffCommands = []string{"stats", "broadcast", "broadcast_status", "broadcast_stop", "broadcasts"}

// StaffStore is what staff commands read and write of storage.
type StaffStore interface {
	ScanMembers(ctx context.Context, fn func(chat int64, state []byte, blocked bool) error) error
	Wakes(ctx context.Context, until time.Time) (storage.WakeCounts, error)
	StaffDraft(ctx context.Context, chat int64) (string, error)
	SetStaffDraft(ctx context.Context, chat int64, draft string) error
	CreateBroadcast(ctx context.Context, b storage.Broadcast, recipients []int64) error
	GetBroadcast(ctx context.Context, id string) (storage.Broadcast, bool, error)
	QueueBroadcast(ctx context.Context, id string, item []byte, n int) ([]int64, bool, error)
	BroadcastCounts(ctx context.Context, id string) (map[string]int64, error)
	StopBroadcast(ctx context.Context, id, reason string) error
	FinishBroadcast(ctx context.Context, id string) error
	QueueReport(ctx context.Context, id string, item []byte, chats []int64) ([]int64, error)
	SetBroadcastProgress(ctx context.Context, id string, message int) error
	RecentBroadcasts(ctx context.Context, n int) ([]string, error)
}

// Staff says who the staff are (their Telegram user IDs, from STAFF_IDS)
// and answers their commands.
type Staff struct {
	IDs   map[int64]bool
	Store StaffStore
	Loc   *time.Location // the zone of "today"
	// Start makes a broadcast run (the job engine's StartBroadcast).
	Start func(ctx context.Context, id string) error
	// Group, if not 0, is the staff's group chat, told of each broadcast's
	// end.
	Group int64
	// Paid sends broadcasts with allow_paid_broadcast (faster than 30 a
	// second, paid in Telegram Stars, at a pace of their own: PAID_RATE).
	Paid bool
	// Rate is the broadcasts' shared pace (SEND_RATE, or PAID_RATE when
	// Paid), for the time a broadcast has left; 0: not told.
	Rate int
}

// isStaffCommand reports whether ev is a staff command.
func isStaffCommand(ev dialogs.Event) bool {
	return ev.Kind == dialogs.Command && slices.Contains(StaffCommands, ev.Name)
}

// Stats is what /stats tells the staff.
type Stats struct {
	Members int // in the index, with a record
	Blocked int // of which blocked the bot
	Langs   map[string]int

	Activating int // on the way to a new PEC, before the fax
	Waiting    int // fax sent, access e-mail not confirmed
	Overdue    int // of which past the expected activation day
	Renewing   int // a renewal with the expiry known, not done
	Expired    int // of which expired, within the 90 days
	Gone       int // past the 90 days: the box is deleted
	Done       int // activated (checklist or done) or renewed

	Pending, DueToday int64 // reminders
}

// CountStats reads every member once (a batch of 500 per round trip) and
// counts where they are, as of now.
func (st *Staff) CountStats(ctx context.Context, now time.Time) (Stats, error) {
	today := calendar.DateOf(now.In(st.Loc))
	s := Stats{Langs: map[string]int{}}
	err := st.Store.ScanMembers(ctx, func(_ int64, raw []byte, blocked bool) error {
		m, _ := dialogs.Decode(raw)
		s.Members++
		if blocked {
			s.Blocked++
		}
		s.Langs[m.Lang]++
		step := m.Step
		if step == dialogs.StepMenu && m.Resume != "" {
			step = m.Resume
		}
		switch step {
		case dialogs.StepActSteps, dialogs.StepActPayment, dialogs.StepActFax, dialogs.StepActFaxDate,
			dialogs.StepActFaxYear, dialogs.StepActFaxWait:
			s.Activating++
		case dialogs.StepActWaiting, dialogs.StepActCheck, dialogs.StepActLate:
			s.Waiting++
			if !m.Activation.IsZero() && m.Activation.Before(today) {
				s.Overdue++
			}
		case dialogs.StepChecklist, dialogs.StepDone, dialogs.StepRenDone:
			s.Done++
		}
		if !m.Expiry.IsZero() && step != dialogs.StepRenDone {
			switch last := dialogs.LastDayToRenew(m.Expiry); {
			case today.After(last):
				s.Gone++
			case today.After(m.Expiry):
				s.Renewing++
				s.Expired++
			default:
				s.Renewing++
			}
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("count members: %w", err)
	}
	y, mo, d := now.In(st.Loc).Date()
	w, err := st.Store.Wakes(ctx, time.Date(y, mo, d+1, 0, 0, 0, 0, st.Loc))
	if err != nil {
		return Stats{}, err
	}
	s.Pending, s.DueToday = w.Pending, w.Due
	return s, nil
}

// staffReply answers a staff command or a staff button: the messages, or
// an error if they could not be computed.
func (t *Telegram) staffReply(ctx context.Context, lang string, in incoming, now time.Time) ([]Reply, error) {
	if in.staffData != "" {
		return t.staffPress(ctx, lang, in, now)
	}
	if in.event.Kind != dialogs.Command {
		return t.staffAnnouncement(ctx, lang, in, now)
	}
	switch in.event.Name {
	case "stats":
		s, err := t.Staff.CountStats(ctx, now)
		if err != nil {
			return nil, err
		}
		text, err := t.Conv.Texts.Render(lang, "info.staff_stats", map[string]any{
			"Members": s.Members, "Active": s.Members - s.Blocked, "Blocked": s.Blocked,
			"Activating": s.Activating, "Waiting": s.Waiting, "Overdue": s.Overdue,
			"Renewing": s.Renewing, "Lapsed": s.Expired, "Gone": s.Gone, "Done": s.Done,
			"Italian": s.Langs["it"], "English": s.Langs["en"],
			"RemindersPending": s.Pending, "RemindersToday": s.DueToday,
		})
		if err != nil {
			return nil, err
		}
		replies := []Reply{{Text: text}}
		// And the last broadcast, as /broadcasts tells it.
		if b, ok, err := t.latest(ctx); err != nil {
			return nil, err
		} else if ok {
			report, _, err := t.report(ctx, lang, b)
			if err != nil {
				return nil, err
			}
			replies = append(replies, Reply{Text: report})
		}
		return replies, nil
	case "broadcast":
		return t.staffBroadcast(ctx, lang, in.chat)
	case "broadcast_status":
		return t.staffStatus(ctx, lang)
	case "broadcast_stop":
		return t.staffStop(ctx, lang)
	case "broadcasts":
		return t.staffList(ctx, lang)
	}
	return nil, fmt.Errorf("staff command /%s: unknown", in.event.Name)
}

// staffTurn answers a staff member's command, button or announcement;
// their own member record (if they are a member too) is left as it is.
func (t *Telegram) staffTurn(ctx context.Context, in incoming, updateID int64, turn storage.Turn, now time.Time) error {
	s, _ := dialogs.Decode(turn.State)
	lang := s.Lang
	if lang == "" {
		lang = t.Conv.Lang
	}
	replies, err := t.staffReply(ctx, lang, in, now)
	if err != nil {
		t.Log.Error().Err(err).Str("command", in.event.Name).Msg("staff command failed")
		text, rerr := t.Conv.Texts.Render(lang, "error.apology", nil)
		if rerr != nil {
			text = "Sorry, something went wrong. Please try again."
		}
		replies = []Reply{{Text: text}}
	}
	queued, err := outboxOf(replies, answerInline(ctx, in.callbackID), KindReply)
	if err != nil {
		_ = t.Turns.Release(ctx, in.chat, turn)
		return err
	}
	if err := t.Turns.Reply(ctx, in.chat, updateID, turn, queued.Raw); err != nil {
		return err
	}
	if t.Sender != nil {
		t.Sender.Kick(in.chat)
	}
	return nil
}
