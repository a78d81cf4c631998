"""The stages of the flow (read, ingest, validate, clean, ... ) and the pure pieces they use."""
