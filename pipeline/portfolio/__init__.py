"""A funder's portfolio: many studies evaluated on Dask, their effects pooled, one report."""
