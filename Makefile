PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean servers guard-model

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,caldav,tools]'  # caldav: the Radicale tests; tools: training the guard
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kaffe demo

servers:
	@bash .ci/install-servers

test: $(STAMP) servers
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/mypy src

guard-model: $(STAMP)  # refit src/kaffe/jobask/model.tsv on tests/data/guard (the grid: about six times the 40 min of tools/train_guard.py --same-setting on two cores)
	$(PY) tools/train_guard.py

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[test,caldav,bench]'
	$(PY) bench/all.py --results bench/RESULTS.md

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
