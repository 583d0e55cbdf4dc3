"""Reads of the users service."""
