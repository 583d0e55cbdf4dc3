"""The users service: profiles and the follow graph."""
