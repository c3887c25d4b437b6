"""Board accounts: people, their roles, one-time sign-in links."""
