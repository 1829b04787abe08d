"""ASGI middleware: what happens to every request and response around the endpoints."""
