"""Live push over Channels: the socket consumer, presence, and what services send after commit."""
