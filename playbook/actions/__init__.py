"""Side effects behind small interfaces: the outbox queue, delivery, Slack and console sinks."""
