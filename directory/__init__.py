"""A searchable public directory of prisoner support organisations."""

__version__ = "0.1.0"
