"""Tables, sessions, migrations and queries. Knows nothing of Slack."""
