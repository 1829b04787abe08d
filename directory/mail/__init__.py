"""Email: queued in the database with the event that causes it, then sent in the background."""
