"""The HTTP service: thin FastAPI routes over the playbook engine."""
