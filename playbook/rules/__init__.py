"""The rules stage: load rules.yaml, compile it, match an event's facts and decide."""
