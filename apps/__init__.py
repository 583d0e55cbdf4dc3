"""The five service apps: auth (label identity), users, feed, media, notifications."""
