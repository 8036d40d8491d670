"""Scoring: join predictions to ground truth, apply a protocol, aggregate."""
