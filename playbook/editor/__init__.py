"""Editor tooling: check, test, explain and measure a rules file (the CLI and the API)."""
