"""Reads of the media service."""
