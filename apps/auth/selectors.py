"""Reads of the auth service."""
