"""Everything people read, made from the bundle: words and number formats, tables, figures, the
technical report (a papermill notebook), the funder summary and the article kit."""
