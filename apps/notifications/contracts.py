"""The notifications service's one door: event payload types and port interfaces other apps may import."""
