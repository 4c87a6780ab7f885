module github.com/omceo-latina/pecbot

go 1.26.8

require github.com/rickar/cal/v2 v2.1.13 // indirect
