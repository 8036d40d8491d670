"""Suites: several models (or checkpoints of one training run) on several benchmarks in one
command, each pair a resumable run folder, then one report placing them beside the published
tables."""
