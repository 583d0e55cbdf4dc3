"""Event handlers the feed service registers (its published event types live in contracts.py)."""
