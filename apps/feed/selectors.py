"""Reads of the feed service."""
