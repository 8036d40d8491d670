"""Prompt templates (package data, hashed) and the request builder."""
