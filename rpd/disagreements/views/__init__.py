"""The web pages, one module per page (see urls.py)."""
