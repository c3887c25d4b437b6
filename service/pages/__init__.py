"""The board's pages: thin handlers that parse, call one function, and render a template."""
