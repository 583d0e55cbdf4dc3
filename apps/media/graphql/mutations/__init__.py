"""The media service's mutations, one per module."""
