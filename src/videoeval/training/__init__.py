"""Evaluation machinery turned into training signals: rewards that score as evaluation does."""
