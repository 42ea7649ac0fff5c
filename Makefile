# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv

.PHONY: run test bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -e .
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/salesbot run

test: | $(VENV)/bin/python
	bash scripts/test.sh

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
