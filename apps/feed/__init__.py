"""The feed service: posts, home timelines, likes, comments and search."""
