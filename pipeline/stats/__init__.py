"""Statistical building blocks, grouped by family; stages call these, never a library directly."""
