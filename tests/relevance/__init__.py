"""The relevance suite: searches people type (queries.toml) and what a good answer holds."""
