"""Text analysis done in Python before rule matching: pure functions, no I/O."""
