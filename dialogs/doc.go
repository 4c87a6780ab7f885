// Package dialogs is the member conversation: the whole PEC journey (activate a
// new box, renew or reactivate an expired one, the checklist after activation)
// as a pure state machine.
//
// Everything happens in one call: Dialog.Step(state, event, now) returns the
// next state and the effects (messages to show, a wish to forget the member).
// A state carries its own next wake-up (when and why); a separate mechanism
// only wakes the member, and the dialog re-checks on waking.
//
// The package is pure: it must not import Redis, Telegram, context or any I/O.
// Texts are locale keys with arguments; the words live in package locales.
package dialogs
