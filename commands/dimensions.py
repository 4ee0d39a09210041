"""The dimensions every deal is sliced by, in a module of their own so the CLI can offer them
without loading the store."""

DIMENSIONS = ("product", "region", "segment", "source")
# What an APM can also be drawn by: a deal's primary campaign, and that campaign's type.
APM_DIMENSIONS = (*DIMENSIONS, "campaign", "campaign_type")
