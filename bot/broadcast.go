package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/storage"
)

// Staff broadcasts: /broadcast asks for the announcement; the staff member
// sends it as any Telegram message (formatted text, a photo, a PDF); the
// bot copies it back as a preview with the audience and its size, and
// sends nothing until "send" is pressed. The broadcast then runs as a job
// (one process at a time, resumed by another after a crash): it queues a
// copy in each recipient's outbox, once, and the sender delivers them at
// the broadcasts' priority, recording each outcome.

// staffPrefix starts the data of staff buttons ("s|action|arg").
const staffPrefix = "s|"

// audiences are who an announcement can go to, in the order offered: each
// with its name in texts and its button's label.
var audiences = []struct {
	name          string
	called, label string // locale keys
}{
	{"all", "info.staff_aud_all", "info.staff_btn_all"},
	{"waiting", "info.staff_aud_waiting", "info.staff_btn_waiting"},
	{"expired", "info.staff_aud_expired", "info.staff_btn_expired"},
	{"it", "info.staff_aud_it", "info.staff_btn_it"},
	{"en", "info.staff_aud_en", "info.staff_btn_en"},
}

// audienceName is how texts call audience a.
func audienceName(a string) dialogs.Ref {
	for _, x := range audiences {
		if x.name == a {
			return dialogs.Ref(x.called)
		}
	}
	return dialogs.Ref(audiences[0].called)
}

// draft is a staff member's announcement before it is sent.
type draft struct {
	Step     string `json:"step"` // "await" (the message) or "confirm"
	Message  int    `json:"msg,omitempty"`
	Audience string `json:"aud,omitempty"`
}

// progressEvery is how often the staff's progress message is updated.
const progressEvery = 3 * time.Second

// isStaffTurn reports whether a staff member's event is for the staff side:
// a staff command or button, or the announcement awaited after /broadcast.
// Any other command drops a draft still waiting for its message: the staff
// member went on with something else.
func (t *Telegram) isStaffTurn(ctx context.Context, in incoming) (bool, error) {
	if isStaffCommand(in.event) || in.staffData != "" {
		return true, nil
	}
	if in.callbackID != "" || in.messageID == 0 {
		return false, nil
	}
	d, err := t.draft(ctx, in.chat)
	if err != nil || d.Step != "await" {
		return false, err
	}
	if in.event.Kind == dialogs.Command {
		return false, t.Staff.Store.SetStaffDraft(ctx, in.chat, "")
	}
	return true, nil
}

func (t *Telegram) draft(ctx context.Context, chat int64) (draft, error) {
	raw, err := t.Staff.Store.StaffDraft(ctx, chat)
	if err != nil || raw == "" {
		return draft{}, err
	}
	var d draft
	if json.Unmarshal([]byte(raw), &d) != nil {
		return draft{}, nil // unreadable: as none
	}
	return d, nil
}

func (t *Telegram) saveDraft(ctx context.Context, chat int64, d draft) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return t.Staff.Store.SetStaffDraft(ctx, chat, string(b))
}

// text renders key in lang, for the staff side.
func (t *Telegram) text(lang, key string, args map[string]any) (string, error) {
	return t.Conv.Texts.Render(lang, key, args)
}

func staffButton(label, action, arg string) ReplyButton {
	return ReplyButton{Label: label, Data: staffPrefix + action + "|" + arg}
}

// staffBroadcast starts a draft: the bot waits for the announcement.
func (t *Telegram) staffBroadcast(ctx context.Context, lang string, chat int64) ([]Reply, error) {
	if err := t.saveDraft(ctx, chat, draft{Step: "await"}); err != nil {
		return nil, err
	}
	text, err := t.text(lang, "info.staff_bc_ask", nil)
	if err != nil {
		return nil, err
	}
	cancel, err := t.text(lang, "info.staff_btn_cancel", nil)
	return []Reply{{Text: text, Buttons: [][]ReplyButton{{staffButton(cancel, "cancel", "")}}}}, err
}

// staffAnnouncement takes the message awaited: its preview, the audience
// and the buttons to send or cancel.
func (t *Telegram) staffAnnouncement(ctx context.Context, lang string, in incoming, now time.Time) ([]Reply, error) {
	d := draft{Step: "confirm", Message: in.messageID, Audience: "all"}
	if err := t.saveDraft(ctx, in.chat, d); err != nil {
		return nil, err
	}
	return t.preview(ctx, lang, in.chat, d, now, true)
}

// preview asks for confirmation, after copying the announcement back (the
// first time: choosing another audience does not repeat it).
func (t *Telegram) preview(ctx context.Context, lang string, chat int64, d draft, now time.Time, withCopy bool) ([]Reply, error) {
	n, err := t.countAudience(ctx, d.Audience, now)
	if err != nil {
		return nil, err
	}
	text, err := t.text(lang, "info.staff_bc_preview", map[string]any{
		"Audience": audienceName(d.Audience), "Count": n})
	if err != nil {
		return nil, err
	}
	var choose []ReplyButton
	for _, a := range audiences {
		label, err := t.text(lang, a.label, nil)
		if err != nil {
			return nil, err
		}
		if a.name == d.Audience {
			label = "• " + label
		}
		choose = append(choose, staffButton(label, "aud", a.name))
	}
	send, err := t.text(lang, "info.staff_btn_send", map[string]any{"Count": n})
	if err != nil {
		return nil, err
	}
	cancel, err := t.text(lang, "info.staff_btn_cancel", nil)
	if err != nil {
		return nil, err
	}
	// Send names the message and the audience it was shown with: an old
	// preview's button cannot send to another audience, nor another message.
	rows := [][]ReplyButton{choose[:3], choose[3:], {staffButton(send, "send", sendArg(d)), staffButton(cancel, "cancel", "")}}
	ask := Reply{Text: text, Buttons: rows}
	if !withCopy {
		return []Reply{ask}, nil
	}
	return []Reply{{Copy: &Copy{FromChat: chat, Message: d.Message}}, ask}, nil
}

// staffPress handles a staff button.
func (t *Telegram) staffPress(ctx context.Context, lang string, in incoming, now time.Time) ([]Reply, error) {
	parts := strings.SplitN(strings.TrimPrefix(in.staffData, staffPrefix), "|", 2)
	action, arg := parts[0], ""
	if len(parts) == 2 {
		arg = parts[1]
	}
	d, err := t.draft(ctx, in.chat)
	if err != nil {
		return nil, err
	}
	stale := func() ([]Reply, error) {
		text, err := t.text(lang, "info.staff_bc_stale", nil)
		return []Reply{{Text: text}}, err
	}
	switch action {
	case "cancel":
		if err := t.Staff.Store.SetStaffDraft(ctx, in.chat, ""); err != nil {
			return nil, err
		}
		text, err := t.text(lang, "info.staff_bc_cancelled", nil)
		return []Reply{{Text: text}}, err
	case "aud":
		if d.Step != "confirm" || !validAudience(arg) {
			return stale()
		}
		d.Audience = arg
		if err := t.saveDraft(ctx, in.chat, d); err != nil {
			return nil, err
		}
		return t.preview(ctx, lang, in.chat, d, now, false)
	case "send":
		// The button names its message: an old preview's cannot send
		// another announcement.
		if d.Step != "confirm" || arg != sendArg(d) {
			return stale()
		}
		return t.sendBroadcast(ctx, lang, in.chat, d, now)
	}
	return stale()
}

// sendArg is the send button's argument for draft d.
func sendArg(d draft) string { return fmt.Sprintf("%d:%s", d.Message, d.Audience) }

func validAudience(a string) bool {
	for _, x := range audiences {
		if a == x.name {
			return true
		}
	}
	return false
}

// inAudience reports whether a member belongs to audience a. Members who
// blocked the bot never do.
func inAudience(a string, s dialogs.State, blocked bool, today calendar.Date) bool {
	if blocked {
		return false
	}
	step := s.Step
	if step == dialogs.StepMenu && s.Resume != "" {
		step = s.Resume
	}
	switch a {
	case "all":
		return true
	case "waiting":
		return step == dialogs.StepActWaiting || step == dialogs.StepActCheck || step == dialogs.StepActLate
	case "expired":
		return !s.Expiry.IsZero() && today.After(s.Expiry) && step != dialogs.StepRenDone
	case "it", "en":
		return s.Lang == a
	}
	return false
}

// recipients lists the members of audience a now.
func (t *Telegram) recipients(ctx context.Context, a string, now time.Time) ([]int64, error) {
	today := calendar.DateOf(now.In(t.Staff.Loc))
	var chats []int64
	err := t.Staff.Store.ScanMembers(ctx, func(chat int64, raw []byte, blocked bool) error {
		s, _ := dialogs.Decode(raw)
		if inAudience(a, s, blocked, today) {
			chats = append(chats, chat)
		}
		return nil
	})
	// A set scan may return a member twice: each gets one copy.
	slices.Sort(chats)
	return slices.Compact(chats), err
}

func (t *Telegram) countAudience(ctx context.Context, a string, now time.Time) (int, error) {
	chats, err := t.recipients(ctx, a, now)
	return len(chats), err
}

// sendBroadcast creates the broadcast and starts it.
func (t *Telegram) sendBroadcast(ctx context.Context, lang string, chat int64, d draft, now time.Time) ([]Reply, error) {
	to, err := t.recipients(ctx, d.Audience, now)
	if err != nil {
		return nil, err
	}
	if len(to) == 0 {
		text, err := t.text(lang, "info.staff_bc_empty", nil)
		return []Reply{{Text: text}}, err
	}
	// The same send retried (an error after the broadcast was created, a
	// redelivered press) names the same broadcast: it is not made twice.
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%d|%s", chat, d.Message, d.Audience)
	id := fmt.Sprintf("%s-%012x", now.In(t.Staff.Loc).Format("20060102"), h.Sum64()&0xffffffffffff)
	b := storage.Broadcast{ID: id, From: chat, Message: d.Message, Audience: d.Audience, Created: now}
	if err := t.Staff.Store.CreateBroadcast(ctx, b, to); err != nil {
		return nil, err
	}
	if err := t.Staff.Start(ctx, id); err != nil {
		return nil, err
	}
	if err := t.Staff.Store.SetStaffDraft(ctx, chat, ""); err != nil {
		return nil, err
	}
	t.Log.Info().Str("broadcast", id).Str("audience", d.Audience).Int("recipients", len(to)).Msg("broadcast started")
	text, err := t.text(lang, "info.staff_bc_started", map[string]any{
		"Audience": audienceName(d.Audience), "Count": len(to)})
	return []Reply{{Text: text}}, err
}

// latest returns the newest broadcast, if any.
func (t *Telegram) latest(ctx context.Context) (storage.Broadcast, bool, error) {
	ids, err := t.Staff.Store.RecentBroadcasts(ctx, 1)
	if err != nil || len(ids) == 0 {
		return storage.Broadcast{}, false, err
	}
	return t.Staff.Store.GetBroadcast(ctx, ids[0])
}

// report renders a broadcast's progress (or end).
func (t *Telegram) report(ctx context.Context, lang string, b storage.Broadcast) (string, bool, error) {
	counts, err := t.Staff.Store.BroadcastCounts(ctx, b.ID)
	if err != nil {
		return "", false, err
	}
	handled := counts["sent"] + counts["blocked"] + counts["failed"] + counts["skipped"]
	target := b.Total
	if b.State == "stopped" {
		target = min(b.Next, b.Total) // what was queued before the stop
	}
	done := b.Ended || handled >= target && (b.Next >= b.Total || b.State == "stopped")
	text, err := t.render(lang, b, counts, done, max(target-handled, 0))
	return text, done, err
}

// reportAs renders broadcast b as ended (done) or still sending.
func (t *Telegram) reportAs(ctx context.Context, lang string, b storage.Broadcast, done bool) (string, error) {
	counts, err := t.Staff.Store.BroadcastCounts(ctx, b.ID)
	if err != nil {
		return "", err
	}
	return t.render(lang, b, counts, done, 0)
}

// render is a broadcast's report text: who sent what to whom, and how far
// it went (left: copies still to go, for the time it takes).
func (t *Telegram) render(lang string, b storage.Broadcast, counts map[string]int64, done bool, left int64) (string, error) {
	stopped := b.State == "stopped"
	key := "info.staff_bc_progress"
	if done {
		key = "info.staff_bc_done"
	}
	return t.text(lang, key, map[string]any{
		"Audience": audienceName(b.Audience), "When": b.Created.In(t.Staff.Loc), "By": b.From,
		"Sent": counts["sent"], "Total": b.Total, "Blocked": counts["blocked"], "Failed": counts["failed"],
		// Left: not sent (yet); once stopped, never.
		"Left":    max(b.Total-counts["sent"]-counts["blocked"]-counts["failed"], 0),
		"Stopped": stopped,
		"Deleted": stopped && b.Reason == "deleted",
		"ETA":     t.eta(left, done || stopped),
	})
}

// sending returns the broadcasts still sending among the recent ones (the
// newest first), or the newest if none is.
func (t *Telegram) sending(ctx context.Context) ([]storage.Broadcast, error) {
	ids, err := t.Staff.Store.RecentBroadcasts(ctx, 20)
	if err != nil {
		return nil, err
	}
	var out []storage.Broadcast
	for _, id := range ids {
		b, ok, err := t.Staff.Store.GetBroadcast(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok && b.State == "sending" {
			out = append(out, b)
		}
	}
	return out, nil
}

// staffStatus reports the broadcasts sending, or the last one.
func (t *Telegram) staffStatus(ctx context.Context, lang string) ([]Reply, error) {
	list, err := t.sending(ctx)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		b, ok, err := t.latest(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			text, err := t.text(lang, "info.staff_bc_none", nil)
			return []Reply{{Text: text}}, err
		}
		list = []storage.Broadcast{b}
	}
	var replies []Reply
	for _, b := range list {
		text, _, err := t.report(ctx, lang, b)
		if err != nil {
			return nil, err
		}
		replies = append(replies, Reply{Text: text})
	}
	return replies, nil
}

// staffStop stops every broadcast still sending: what was sent stays sent.
func (t *Telegram) staffStop(ctx context.Context, lang string) ([]Reply, error) {
	list, err := t.sending(ctx)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		text, err := t.text(lang, "info.staff_bc_none", nil)
		return []Reply{{Text: text}}, err
	}
	var replies []Reply
	for _, b := range list {
		if err := t.Staff.Store.StopBroadcast(ctx, b.ID, "staff"); err != nil {
			return nil, err
		}
		t.Log.Info().Str("broadcast", b.ID).Msg("broadcast stopped by staff")
		b.State = "stopped"
		text, _, err := t.report(ctx, lang, b)
		if err != nil {
			return nil, err
		}
		replies = append(replies, Reply{Text: text})
	}
	return replies, nil
}

func (t *Telegram) staffList(ctx context.Context, lang string) ([]Reply, error) {
	ids, err := t.Staff.Store.RecentBroadcasts(ctx, 10)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		text, err := t.text(lang, "info.staff_bc_none", nil)
		return []Reply{{Text: text}}, err
	}
	var lines []string
	for _, id := range ids {
		b, ok, err := t.Staff.Store.GetBroadcast(ctx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		text, _, err := t.report(ctx, lang, b)
		if err != nil {
			return nil, err
		}
		lines = append(lines, text)
	}
	return []Reply{{Text: strings.Join(lines, "\n\n")}}, nil
}

// RunBroadcast runs broadcast id (the job engine calls it, and again after
// a crash): it queues the copies in windows (a few batches ahead of what
// was delivered, so that neither Redis nor this process holds every
// recipient's copy at once), updates the staff's progress message every
// few seconds until every copy has an outcome, and reports the end to the
// staff member (and the staff group) through their outboxes.
func (t *Telegram) RunBroadcast(ctx context.Context, id string) error {
	b, ok, err := t.Staff.Store.GetBroadcast(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		t.Log.Error().Str("broadcast", id).Msg("broadcast task without its record: dropped")
		return nil
	}
	item, err := (Outgoing{Copy: &Copy{FromChat: b.From, Message: b.Message, Paid: t.Staff.Paid},
		Kind: KindBroadcast, Broadcast: id}).encode()
	if err != nil {
		return err
	}
	lang := t.Conv.Lang
	tick := time.NewTicker(fanOutEvery)
	defer tick.Stop()
	var shown time.Time // when the progress message was last updated
	var last int64 = -1 // handled at the last look, to notice a stall
	var still time.Time // since when nothing moved
	for {
		if b, _, err = t.Staff.Store.GetBroadcast(ctx, id); err != nil {
			return err
		}
		counts, err := t.Staff.Store.BroadcastCounts(ctx, id)
		if err != nil {
			return err
		}
		handled := counts["sent"] + counts["blocked"] + counts["failed"] + counts["skipped"]
		if b.State == "sending" && b.Next < b.Total && b.Next-handled < fanOutWindow {
			queued, _, err := t.Staff.Store.QueueBroadcast(ctx, id, item, fanOutBatch)
			if err != nil {
				return err
			}
			for _, chat := range queued {
				t.Sender.KickAs(chat, KindBroadcast)
			}
			continue // the window may take more
		}
		now := time.Now()
		if handled != last {
			last, still = handled, now
		}
		text, done, err := t.report(ctx, lang, b)
		if err != nil {
			return err
		}
		// Every copy queued, and none has moved for a long time: an
		// outcome was lost (not recorded after its retries). The
		// broadcast ends with the counts it has, rather than never.
		if !done && (b.Next >= b.Total || b.State != "sending") && now.Sub(still) > stallAfter {
			t.Log.Warn().Str("broadcast", id).Int64("unaccounted", b.Total-handled).Msg("broadcast ended with copies unaccounted for")
			done = true
			if text, err = t.reportAs(ctx, lang, b, true); err != nil {
				return err
			}
		}
		// The progress message shows the end too, if it was shown before:
		// a broadcast over before its first update has only the report.
		if (done && b.Progress != 0) || (!done && now.Sub(shown) >= progressEvery) {
			shown = now
			if err := t.showProgress(ctx, b, text); err != nil {
				t.Log.Warn().Err(err).Str("broadcast", id).Msg("progress message not updated")
			}
		}
		if done {
			return t.finishBroadcast(ctx, b, text)
		}
		select {
		case <-ctx.Done():
			return ctx.Err() // resumed later, by this process or another
		case <-tick.C:
		}
	}
}

// The fan-out: a batch of recipients queued per round trip, at most a
// window of copies queued and not yet delivered, looked at this often;
// a broadcast whose copies stopped moving for stallAfter ends.
const (
	fanOutBatch  = 500
	fanOutWindow = 4 * fanOutBatch
	fanOutEvery  = 250 * time.Millisecond
	stallAfter   = 30 * time.Minute
)

// finishBroadcast marks broadcast b done and queues its report (text) to
// the staff member and the staff group, once each even if run again.
func (t *Telegram) finishBroadcast(ctx context.Context, b storage.Broadcast, text string) error {
	item, err := Outgoing{Kind: KindReply, Text: text}.encode()
	if err != nil {
		return err
	}
	to := []int64{b.From}
	if t.Staff.Group != 0 && t.Staff.Group != b.From {
		to = append(to, t.Staff.Group)
	}
	// The report first (queued once per chat however often this runs),
	// then the end: a broadcast marked ended is not resumed.
	queued, err := t.Staff.Store.QueueReport(ctx, b.ID, item, to)
	if err != nil {
		return err
	}
	if err := t.Staff.Store.FinishBroadcast(ctx, b.ID); err != nil {
		return err
	}
	for _, chat := range queued {
		t.Sender.Kick(chat)
	}
	t.Log.Info().Str("broadcast", b.ID).Msg("broadcast finished")
	return nil
}

// ResumeBroadcasts starts again every recent broadcast still sending (its
// job lost: Redis restored from an older copy, or given up after its
// retries); one still running is left as it is. At every start.
func (t *Telegram) ResumeBroadcasts(ctx context.Context) (int, error) {
	ids, err := t.Staff.Store.RecentBroadcasts(ctx, 50)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		b, ok, err := t.Staff.Store.GetBroadcast(ctx, id)
		if err != nil {
			return n, err
		}
		// Only those still sending: one stopped, or finished by a version
		// that did not mark the end, is not reported again.
		if !ok || b.Ended || b.State != "sending" {
			continue
		}
		if err := t.Staff.Start(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// paced waits for a reply's turn in the shared pace: the staff's messages
// count in Telegram's limit like any other.
func (t *Telegram) paced(ctx context.Context) error {
	if t.Sender.Rate == nil {
		return nil
	}
	return t.Sender.Rate.Wait(ctx, 0)
}

// showProgress sends the staff member's progress message, or edits it.
func (t *Telegram) showProgress(ctx context.Context, b storage.Broadcast, text string) error {
	if err := t.paced(ctx); err != nil {
		return err
	}
	if b.Progress == 0 {
		m, err := t.Sender.API.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: b.From, Text: text, ParseMode: models.ParseModeHTML})
		if err != nil {
			return err
		}
		return t.Staff.Store.SetBroadcastProgress(ctx, b.ID, m.ID)
	}
	_, err := t.Sender.API.EditMessageText(ctx, &tgbot.EditMessageTextParams{
		ChatID: b.From, MessageID: b.Progress, Text: text, ParseMode: models.ParseModeHTML})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	return err
}

// eta is about how long left copies take at the shared pace ("" when done
// or not known): in whole minutes, "<1 min" under one.
func (t *Telegram) eta(left int64, done bool) string {
	if done || left == 0 || t.Staff.Rate <= 0 {
		return ""
	}
	d := time.Duration(left) * time.Second / time.Duration(t.Staff.Rate)
	if d < time.Minute {
		return "<1 min"
	}
	return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
}
