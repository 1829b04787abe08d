"""Service results as finished data for templates and JSON. No I/O here."""
