"""Text analysis done in Python before matching: language, personal data, keywords, similarity."""
