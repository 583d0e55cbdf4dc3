"""Writes of the auth service: each function validates, writes and publishes its events."""
