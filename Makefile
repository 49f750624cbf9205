# Entry points: `make install`, `make test` (what CI runs), `make demo` and `make reader`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is pinned to the CPU build that lies on this machine's disk; a bare `torch` pulls CUDA.
TORCH_PIN ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install test lint demo reader clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_PIN)"
	$(PY) -m pip install --quiet -e ".[test]" "$(TORCH_PIN)"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP) lint
	$(PY) -m pytest -q $(PYTEST_ARGS)

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
