"""What a person reads: terminal tables now; HTML reports build on the same metrics.json."""
