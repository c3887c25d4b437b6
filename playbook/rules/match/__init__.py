"""Match compiled rules against one fact set: a pure-Python and a durable-rules backend."""
