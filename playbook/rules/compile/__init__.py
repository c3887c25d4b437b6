"""Compile the typed rules: check references, turn conditions into engine and derived facts."""
