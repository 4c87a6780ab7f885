package bot

import (
	"context"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/storage"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// roundTrips counts what a Redis client sends: a command or a pipeline is
// one round trip.
type roundTrips struct {
	mu          sync.Mutex
	trips, cmds int
}

func (c *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(1)
		return next(ctx, cmd)
	}
}

func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(len(cmds))
		return next(ctx, cmds)
	}
}

func (c *roundTrips) add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips++
	c.cmds += n
}

func (c *roundTrips) take() (trips, cmds int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	trips, cmds = c.trips, c.cmds
	c.trips, c.cmds = 0, 0
	return trips, cmds
}

// TestRedisCostOfAnUpdate: handling an ordinary update (a button press
// that moves the member on, with one reply and the button's answer) costs
// two Redis round trips; delivering its outbox is measured and reported.
func TestRedisCostOfAnUpdate(t *testing.T) {
	ctx := context.Background()
	const chat = 31
	rdb := redistest.Start(t)
	counter := &roundTrips{}
	rdb.AddHook(counter)
	store := storage.New(rdb, storage.Options{})
	fake := telegramtest.New(t, "1:cost")
	api, err := tgbot.New("1:cost", tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	sender := NewSender(ctx, api, store, zerolog.Nop())
	sender.Rate = store.SendRate(28) // as in production: the shared pace costs a round trip per message
	tg := &Telegram{Conv: newConversation(t, nil, "it"), Turns: store, Clock: FixedClock(time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))), Log: zerolog.Nop()}

	press := func(id int64, ev dialogs.Event) {
		t.Helper()
		data := dialogs.EncodeButton(ev.From, ev.Action, ev.Arg)
		u := &models.Update{ID: id, CallbackQuery: &models.CallbackQuery{ID: "cb", From: models.User{ID: chat}, Data: data}}
		if err := tg.Handle(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// To the fax question: /start, activate, bought, card.
	if err := tg.Handle(ctx, &models.Update{ID: 1, Message: &models.Message{Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Text: "/start"}}); err != nil {
		t.Fatal(err)
	}
	press(2, dialogs.Event{From: dialogs.StepMenu, Action: dialogs.ActGoActivate})
	press(3, dialogs.Event{From: dialogs.StepActSteps, Action: dialogs.ActBought})
	press(4, dialogs.Event{From: dialogs.StepActPayment, Action: dialogs.ActPay, Arg: "card"})
	if err := sender.Deliver(ctx, chat); err != nil {
		t.Fatal(err)
	}
	counter.take()

	press(5, dialogs.Event{From: dialogs.StepActFax, Action: dialogs.ActFaxToday})
	trips, cmds := counter.take()
	if trips != 2 {
		t.Errorf("handling one update took %d Redis round trips (%d commands), want 2", trips, cmds)
	}
	t.Logf("handling: %d round trips, %d commands sent", trips, cmds)
	if err := sender.Deliver(ctx, chat); err != nil {
		t.Fatal(err)
	}
	trips, cmds = counter.take()
	t.Logf("delivering its 2 outbox items (the button's answer, 1 message, paced): %d round trips, %d commands sent", trips, cmds)
	if got := fake.Sent(chat); len(got) == 0 || got[len(got)-1].Plain == "" {
		t.Fatal("the reply was not delivered")
	}

	// Handled and delivered by the same process, as on Telegram: the
	// commit takes the outbox for the sender (no TakeOutbox of its own).
	tg.Sender = sender
	sent := len(fake.Sent(chat))
	if err := tg.Handle(ctx, &models.Update{ID: 6, Message: &models.Message{Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Text: "/status"}}); err != nil {
		t.Fatal(err)
	}
	sender.Close() // waits for the delivery the update started
	trips, cmds = counter.take()
	if got := fake.Sent(chat); len(got) <= sent {
		t.Fatal("the reply to the last update was not delivered")
	}
	// Begin, Commit (taking the outbox), the shared pace, the message
	// removed with the outbox given back.
	if trips != 4 {
		t.Errorf("handling and delivering one update took %d Redis round trips (%d commands), want 4", trips, cmds)
	}
	t.Logf("handling and delivering: %d round trips, %d commands sent", trips, cmds)
}
