"""Fakes and helpers the tests share: a fake Slack Web API, Block Kit checks, a throwaway PostgreSQL."""
