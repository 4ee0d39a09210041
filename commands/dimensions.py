"""The dimensions every deal is sliced by, in a module of their own so the CLI can offer them
without loading the store."""

DIMENSIONS = ("product", "region", "segment", "source")
