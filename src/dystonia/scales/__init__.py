"""Rating scales (filled in by the scales work)."""
