"""The endpoints, by audience: public pages, submissions, moderation, the JSON APIs."""
