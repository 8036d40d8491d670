"""Heavy language back-ends (pycocoevalcap on Java), imported only when a metric needs them."""
