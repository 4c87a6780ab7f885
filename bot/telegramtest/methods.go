package telegramtest

import "strings"

// resultKind says what a method answers on success, per the Bot API spec. It
// is used for the methods the fake has no dedicated handler for.
type resultKind int

const (
	resultOther         resultKind = iota // anything else: the fake answers 501
	resultTrue                            // Boolean (always True)
	resultMessage                         // Message
	resultMessageOrTrue                   // Message, or True for inline messages
	resultMessageID                       // MessageId
)

// methods lists every method of Bot API 10.1 (June 11, 2026) with the kind of
// its result. Method names are case-insensitive in the Bot API; see canonical.
var methods = map[string]resultKind{
	"getUpdates":                        resultOther,
	"setWebhook":                        resultTrue,
	"deleteWebhook":                     resultTrue,
	"getWebhookInfo":                    resultOther,
	"getMe":                             resultOther,
	"logOut":                            resultTrue,
	"close":                             resultTrue,
	"sendMessage":                       resultMessage,
	"forwardMessage":                    resultMessage,
	"forwardMessages":                   resultOther,
	"copyMessage":                       resultMessageID,
	"copyMessages":                      resultOther,
	"sendPhoto":                         resultMessage,
	"sendLivePhoto":                     resultMessage,
	"sendAudio":                         resultMessage,
	"sendDocument":                      resultMessage,
	"sendVideo":                         resultMessage,
	"sendAnimation":                     resultMessage,
	"sendVoice":                         resultMessage,
	"sendVideoNote":                     resultMessage,
	"sendPaidMedia":                     resultMessage,
	"sendMediaGroup":                    resultOther,
	"sendLocation":                      resultMessage,
	"sendVenue":                         resultMessage,
	"sendContact":                       resultMessage,
	"sendPoll":                          resultMessage,
	"sendChecklist":                     resultMessage,
	"sendDice":                          resultMessage,
	"sendMessageDraft":                  resultTrue,
	"sendChatAction":                    resultTrue,
	"setMessageReaction":                resultTrue,
	"getUserProfilePhotos":              resultOther,
	"getUserProfileAudios":              resultOther,
	"setUserEmojiStatus":                resultTrue,
	"getFile":                           resultOther,
	"banChatMember":                     resultTrue,
	"unbanChatMember":                   resultTrue,
	"restrictChatMember":                resultTrue,
	"promoteChatMember":                 resultTrue,
	"setChatAdministratorCustomTitle":   resultTrue,
	"setChatMemberTag":                  resultTrue,
	"banChatSenderChat":                 resultTrue,
	"unbanChatSenderChat":               resultTrue,
	"setChatPermissions":                resultTrue,
	"exportChatInviteLink":              resultOther,
	"createChatInviteLink":              resultOther,
	"editChatInviteLink":                resultOther,
	"createChatSubscriptionInviteLink":  resultOther,
	"editChatSubscriptionInviteLink":    resultOther,
	"revokeChatInviteLink":              resultOther,
	"approveChatJoinRequest":            resultTrue,
	"declineChatJoinRequest":            resultTrue,
	"answerChatJoinRequestQuery":        resultTrue,
	"sendChatJoinRequestWebApp":         resultTrue,
	"setChatPhoto":                      resultTrue,
	"deleteChatPhoto":                   resultTrue,
	"setChatTitle":                      resultTrue,
	"setChatDescription":                resultTrue,
	"pinChatMessage":                    resultTrue,
	"unpinChatMessage":                  resultTrue,
	"unpinAllChatMessages":              resultTrue,
	"leaveChat":                         resultTrue,
	"getChat":                           resultOther,
	"getChatAdministrators":             resultOther,
	"getChatMemberCount":                resultOther,
	"getChatMember":                     resultOther,
	"getUserPersonalChatMessages":       resultOther,
	"setChatStickerSet":                 resultTrue,
	"deleteChatStickerSet":              resultTrue,
	"getForumTopicIconStickers":         resultOther,
	"createForumTopic":                  resultOther,
	"editForumTopic":                    resultTrue,
	"closeForumTopic":                   resultTrue,
	"reopenForumTopic":                  resultTrue,
	"deleteForumTopic":                  resultTrue,
	"unpinAllForumTopicMessages":        resultTrue,
	"editGeneralForumTopic":             resultTrue,
	"closeGeneralForumTopic":            resultTrue,
	"reopenGeneralForumTopic":           resultTrue,
	"hideGeneralForumTopic":             resultTrue,
	"unhideGeneralForumTopic":           resultTrue,
	"unpinAllGeneralForumTopicMessages": resultTrue,
	"answerCallbackQuery":               resultTrue,
	"answerGuestQuery":                  resultOther,
	"getUserChatBoosts":                 resultOther,
	"getBusinessConnection":             resultOther,
	"getManagedBotToken":                resultOther,
	"replaceManagedBotToken":            resultOther,
	"getManagedBotAccessSettings":       resultOther,
	"setManagedBotAccessSettings":       resultTrue,
	"setMyCommands":                     resultTrue,
	"deleteMyCommands":                  resultTrue,
	"getMyCommands":                     resultOther,
	"setMyName":                         resultTrue,
	"getMyName":                         resultOther,
	"setMyDescription":                  resultTrue,
	"getMyDescription":                  resultOther,
	"setMyShortDescription":             resultTrue,
	"getMyShortDescription":             resultOther,
	"setMyProfilePhoto":                 resultTrue,
	"removeMyProfilePhoto":              resultTrue,
	"setChatMenuButton":                 resultTrue,
	"getChatMenuButton":                 resultOther,
	"setMyDefaultAdministratorRights":   resultTrue,
	"getMyDefaultAdministratorRights":   resultOther,
	"getAvailableGifts":                 resultOther,
	"sendGift":                          resultTrue,
	"giftPremiumSubscription":           resultTrue,
	"verifyUser":                        resultTrue,
	"verifyChat":                        resultTrue,
	"removeUserVerification":            resultTrue,
	"removeChatVerification":            resultTrue,
	"readBusinessMessage":               resultTrue,
	"deleteBusinessMessages":            resultTrue,
	"setBusinessAccountName":            resultTrue,
	"setBusinessAccountUsername":        resultTrue,
	"setBusinessAccountBio":             resultTrue,
	"setBusinessAccountProfilePhoto":    resultTrue,
	"removeBusinessAccountProfilePhoto": resultTrue,
	"setBusinessAccountGiftSettings":    resultTrue,
	"getBusinessAccountStarBalance":     resultOther,
	"transferBusinessAccountStars":      resultTrue,
	"getBusinessAccountGifts":           resultOther,
	"getUserGifts":                      resultOther,
	"getChatGifts":                      resultOther,
	"convertGiftToStars":                resultTrue,
	"upgradeGift":                       resultTrue,
	"transferGift":                      resultTrue,
	"postStory":                         resultOther,
	"repostStory":                       resultOther,
	"editStory":                         resultOther,
	"deleteStory":                       resultTrue,
	"answerWebAppQuery":                 resultOther,
	"savePreparedInlineMessage":         resultOther,
	"savePreparedKeyboardButton":        resultOther,
	"editMessageText":                   resultMessageOrTrue,
	"editMessageCaption":                resultMessageOrTrue,
	"editMessageMedia":                  resultMessageOrTrue,
	"editMessageLiveLocation":           resultMessageOrTrue,
	"stopMessageLiveLocation":           resultMessageOrTrue,
	"editMessageChecklist":              resultMessage,
	"editMessageReplyMarkup":            resultMessageOrTrue,
	"stopPoll":                          resultOther,
	"approveSuggestedPost":              resultTrue,
	"declineSuggestedPost":              resultTrue,
	"deleteMessage":                     resultTrue,
	"deleteMessages":                    resultTrue,
	"deleteMessageReaction":             resultTrue,
	"deleteAllMessageReactions":         resultTrue,
	"sendSticker":                       resultMessage,
	"getStickerSet":                     resultOther,
	"getCustomEmojiStickers":            resultOther,
	"uploadStickerFile":                 resultOther,
	"createNewStickerSet":               resultTrue,
	"addStickerToSet":                   resultTrue,
	"setStickerPositionInSet":           resultTrue,
	"deleteStickerFromSet":              resultTrue,
	"replaceStickerInSet":               resultTrue,
	"setStickerEmojiList":               resultTrue,
	"setStickerKeywords":                resultTrue,
	"setStickerMaskPosition":            resultTrue,
	"setStickerSetTitle":                resultTrue,
	"setStickerSetThumbnail":            resultTrue,
	"setCustomEmojiStickerSetThumbnail": resultTrue,
	"deleteStickerSet":                  resultTrue,
	"sendRichMessage":                   resultMessage,
	"sendRichMessageDraft":              resultTrue,
	"answerInlineQuery":                 resultTrue,
	"sendInvoice":                       resultMessage,
	"createInvoiceLink":                 resultOther,
	"answerShippingQuery":               resultTrue,
	"answerPreCheckoutQuery":            resultTrue,
	"getMyStarBalance":                  resultOther,
	"getStarTransactions":               resultOther,
	"refundStarPayment":                 resultTrue,
	"editUserStarSubscription":          resultTrue,
	"setPassportDataErrors":             resultTrue,
	"sendGame":                          resultMessage,
	"setGameScore":                      resultMessageOrTrue,
	"getGameHighScores":                 resultOther,
}

// lowerMethods maps lower-cased method names to their canonical spelling.
var lowerMethods = func() map[string]string {
	m := make(map[string]string, len(methods))
	for name := range methods {
		m[strings.ToLower(name)] = name
	}
	return m
}()

// canonical returns the canonical spelling of a Bot API method name and
// whether the Bot API has such a method.
func canonical(name string) (string, bool) {
	c, ok := lowerMethods[strings.ToLower(name)]
	if !ok {
		return name, false
	}
	return c, true
}

// updateTypes are the optional fields of Update, in the order of the spec.
var updateTypes = []string{
	"message", "edited_message", "channel_post", "edited_channel_post",
	"business_connection", "business_message", "edited_business_message",
	"deleted_business_messages", "guest_message", "message_reaction",
	"message_reaction_count", "inline_query", "chosen_inline_result",
	"callback_query", "shipping_query", "pre_checkout_query",
	"purchased_paid_media", "poll", "poll_answer", "my_chat_member",
	"chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
	"managed_bot",
}

// notByDefault are the update types not delivered unless allowed_updates
// names them explicitly.
var notByDefault = map[string]bool{
	"chat_member":            true,
	"message_reaction":       true,
	"message_reaction_count": true,
}
