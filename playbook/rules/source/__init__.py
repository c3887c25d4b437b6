"""Load rules.yaml: safe YAML, the typed model, and where each value sits in the text."""
