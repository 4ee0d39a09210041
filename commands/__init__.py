"""What each command means: parsing, validation, permissions and use cases that return
plain results. Knows nothing of Slack."""
