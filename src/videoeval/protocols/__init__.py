"""Scoring protocols as named data: each is one configuration of one implementation."""
