"""Video decoding and frame sampling with PyAV: time travels with every frame."""
