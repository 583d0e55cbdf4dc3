"""Writes of the feed service: each function validates, writes and publishes its events."""
