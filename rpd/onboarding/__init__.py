"""Bringing a partnership on: creating it, importing its agencies, ladders and people
from a CSV, and the go-live check."""
