"""Reads of the notifications service."""
