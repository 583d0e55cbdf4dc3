"""Event handlers the notifications service registers (its published event types live in contracts.py)."""
