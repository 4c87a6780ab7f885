package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// floorHandler is the least any bot does per update, with pecbot's I/O and
// none of its logic: the webhook POST taken (secret checked, JSON decoded),
// one Redis read and one write of a small value for the chat, 200, then
// one sendMessage through the same go-telegram/bot client. pecbot's cost
// is measured against it: what it spends beyond is its own doing.
func floorHandler(secret string, rdb redis.UniversalClient, api *tgbot.Bot, sends *sync.WaitGroup, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		var u models.Update
		if err != nil || json.Unmarshal(body, &u) != nil {
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		var chat int64
		switch {
		case u.Message != nil:
			chat = u.Message.Chat.ID
		case u.CallbackQuery != nil:
			chat = u.CallbackQuery.From.ID
		default:
			w.WriteHeader(http.StatusOK)
			return
		}
		ctx := r.Context()
		key := prefix + ":floor:" + strconv.FormatInt(chat, 10)
		if err := rdb.Get(ctx, key).Err(); err != nil && !errors.Is(err, redis.Nil) {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if err := rdb.Set(ctx, key, u.ID, memberTTL).Err(); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		sends.Go(func() {
			_, err := api.SendMessage(context.WithoutCancel(ctx), &tgbot.SendMessageParams{ChatID: chat, Text: "ok"})
			if err != nil {
				log.Warn().Err(err).Msg("floor: sendMessage failed")
			}
		})
	})
}
