"""Editor tooling: check, test, explain and measure a rules file, as the CLI and the API offer it."""
