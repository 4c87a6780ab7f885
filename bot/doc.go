// Package bot connects the conversation (package dialogs) to the places
// members talk to it: for now the console, later Telegram. It turns what a
// member does into dialog events, and the dialog's effects into rendered
// replies with buttons.
//
// It may import dialogs and locales; dialogs and locales must not import it.
package bot
