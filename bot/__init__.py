"""The Slack connector (and the console): translates what people send and renders results."""
