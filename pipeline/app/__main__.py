"""``python -m pipeline.app``: the page, as ``pkm-eval app`` starts it."""

import sys

from pipeline.app.launch import main

sys.exit(main())
