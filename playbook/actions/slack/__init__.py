"""Slack: Block Kit messages and modals out, clicks and submissions in, and the card sink."""
