# The front door. `make demo` and `make test` work on a fresh clone with only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo examples app test lint format references clean-outputs help browser bench bench-portfolio screenshots

help:
	@echo "make demo        set up, run the bundled demo study, write reports/demo/report.html"
	@echo "make examples    run the six example studies in data/raw/examples"
	@echo "make app         set up, start the web page on http://127.0.0.1:8501"
	@echo "make test        set up, run the test suite"
	@echo "make lint        ruff check, format check and the layers contract (lint-imports)"
	@echo "make bench       time 100 to 1,000,000 participants; table in benchmarks/results and README"
	@echo "make bench-portfolio  time a 2,000-program portfolio on 1 and 2 Dask workers"
	@echo "make references  re-run the R scripts that write tests/reference/*.json (needs R with psych, effectsize, car, emmeans, afex, BayesFactor)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name pkm-eval --display-name "pkm-eval (venv)" > /dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pkm-eval demo
	$(BIN)/pkm-eval examples

# The example studies only: pesantren, CBPR with children, counseling service, a knowledge test
# (Google Forms quiz), an instrument try-out, three arms with a follow-up.
examples: $(STAMP)
	$(BIN)/pkm-eval examples

# The web page for lecturers (pkm-eval app): local only, no usage statistics sent.
app: $(STAMP)
	$(BIN)/pkm-eval app

# The README's pictures of the web page, taken by its browser tests.
screenshots: $(STAMP) browser
	PKM_EVAL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/app/test_browser.py -p no:xdist -q
	PKM_EVAL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -p no:xdist -q \
	  tests/reports/test_funder_summary.py::test_screenshot_of_the_funder_page
	PKM_EVAL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -p no:xdist -q \
	  tests/reports/test_report_reading.py::test_first_screen_screenshot
	PKM_EVAL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/reports/test_article_kit.py -p no:xdist -q -k chromium

# The browser tests need Debian's chromium; install it when missing and apt is usable.
browser:
	@command -v chromium > /dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null) \
	  || echo "chromium is missing and cannot be installed here: the browser tests will fail"; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Generates the simulated studies once (benchmarks/.data, about 1.3 GB), then measures.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

# 2,000 simulated programs on local Dask clusters of 1 and 2 workers (about half an hour).
bench-portfolio: $(STAMP)
	$(BIN)/python -m benchmarks.portfolio

references:
	cd tests/reference && for f in *.R; do Rscript $$f || exit 1; done

clean-outputs:
	rm -rf data/processed/* reports/*
