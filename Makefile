# Entry points: `make install`, `make test` (what CI runs), `make demo` and `make reader`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is pinned to the CPU build that lies on this machine's disk; a bare `torch` pulls CUDA.
TORCH_PIN ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install test test-fresh lint demo reader clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_PIN)"
	$(PY) -m pip install --quiet -e ".[test]" "$(TORCH_PIN)"
	touch $(STAMP)

install: $(STAMP)

# The suite, then the tests whose path differs without ../shared/data, in a copy with none beside it:
# CI has the data, and would otherwise never see what a fresh clone sees (issue 26).
test: $(STAMP) lint
	$(PY) -m pytest -q $(PYTEST_ARGS)
	$(PY) tests/fresh_clone.py

test-fresh: $(STAMP)
	$(PY) tests/fresh_clone.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

demo: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash examples/demo.sh

# Rebuild the shipped reader (lprtrain/models/default) from synthetic plates and real-crops; resumable.
reader: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash recipes/shipped_reader.sh

clean:
	rm -rf $(VENV) demo-out recipe-out build dist *.egg-info
