"""evitrack: vocational portfolios as git-friendly YAML evidence records."""

__version__ = "0.1.0"
