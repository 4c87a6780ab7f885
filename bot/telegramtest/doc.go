// Package telegramtest is a fake Telegram Bot API server for tests: a test
// double of Telegram only, speaking the Bot API (10.1) over real HTTP through
// an httptest server.
//
// Point the client at Server.URL (with github.com/go-telegram/bot:
// bot.WithServerURL). The server
//
//   - accepts requests to <URL>/bot<token>/<method> by GET or POST, with
//     parameters in the query string or the body (application/json,
//     multipart/form-data as go-telegram/bot sends it, with complex fields
//     JSON-serialized, or application/x-www-form-urlencoded), and records
//     every call (Calls, CallsOf, WaitCalls, Sent);
//   - answers like Telegram: a wrong token gets 401, an unknown method 404,
//     errors come as {"ok":false,"error_code":N,"description":"..."};
//   - validates what bots get wrong most often, as Telegram would refuse it:
//     message texts (1-4096 UTF-16 code units after entity parsing), HTML,
//     MarkdownV2 and Markdown formatting, inline keyboards (every button
//     needs exactly one action field; an empty copy_text, as
//     go-telegram/bot's models.InlineKeyboardButton always sends, is
//     refused), callback query ids, edits that change nothing;
//   - serves pushed updates (Push, PushMessage, PushCallback) to getUpdates,
//     with offset, limit, timeout (long polling) and allowed_updates, or
//     delivers them to the webhook set by setWebhook (Deliver);
//   - injects faults (Fail): 429 with retry_after, 403, 500, or no answer.
//
// Methods of the Bot API it has no dedicated answer for answer True or a
// minimal Message when that is what they return, and 501 otherwise.
package telegramtest
