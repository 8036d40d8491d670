"""Answer parsers: from a model's text to time spans, each reproducing one reference exactly."""
