"""Async jobs: a summary made in the background and sent to a callback URL, signed."""
