"""Readers for the prediction files users already have."""
