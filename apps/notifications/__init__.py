"""The notifications service: notifications stored per user and pushed live over WebSocket."""
