"""Event handlers the media service registers (its published event types live in contracts.py)."""
