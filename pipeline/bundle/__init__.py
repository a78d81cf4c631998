"""The results bundle: its catalogue of tables, writing it (atomically) and reading it back."""
