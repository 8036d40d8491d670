"""Blind human side-by-side studies: make one from runs, serve it to annotators, read it."""
