"""Writes of the users service: each function validates, writes and publishes its events."""
