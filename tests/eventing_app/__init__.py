"""A test-only app that publishes and consumes events, to test the event framework for real."""
