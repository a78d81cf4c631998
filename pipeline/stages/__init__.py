"""The questionnaire's stages, in flow order: read, ingest, validate, clean (with matching and
careless flags), score, compare. Each takes the previous stage's typed result
(:mod:`pipeline.stages.result`) and returns its own; only the read stage opens files."""
