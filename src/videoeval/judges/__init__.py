"""Judges: AutoDQ (text-only, as the benchmark defines it); more judges build on the same parts."""
