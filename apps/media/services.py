"""Writes of the media service: each function validates, writes and publishes its events."""
