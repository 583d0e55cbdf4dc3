"""The users service's mutations, one per module."""
