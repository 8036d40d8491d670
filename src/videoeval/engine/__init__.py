"""Runs the pipeline per sample: bounded concurrency, retries, a content-addressed call cache,
an append-only log that makes every run resumable."""
