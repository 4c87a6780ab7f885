module github.com/omceo-latina/pecbot

go 1.26.8
