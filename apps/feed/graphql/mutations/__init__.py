"""The feed service's mutations, one per module."""
