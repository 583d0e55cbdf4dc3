"""Event handlers the auth service registers (its published event types live in contracts.py)."""
