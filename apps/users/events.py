"""Event handlers the users service registers (its published event types live in contracts.py)."""
