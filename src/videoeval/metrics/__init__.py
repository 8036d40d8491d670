"""Pure numeric scoring functions: no I/O, no protocol logic."""
