# Two commands do all set-up on a fresh machine with Python ≥ 3.10:
#   make book   — environment, every notebook at PROFILE (default ci), HTML in _build/html
#   make test   — environment, then the test suite (unit tests, every notebook at smoke, regression)
PYTHON ?= python3
VENV   ?= .venv
# The pinned CPU build that lies on the build machine's disk; elsewhere any torch >= 2.2 works:
#   make book TORCH=torch      (or TORCH= to keep the torch already installed in the venv)
TORCH  ?= torch==2.13.0
PROFILE ?= ci
ARGS   ?=
# How `make book` runs the training runs: on one local Dask worker per core (the records do not depend on it);
# `make book WORKERS=` runs them serially in each notebook's process.
WORKERS ?= --workers
BIN := $(VENV)/bin

.PHONY: book test install clean

$(BIN)/sfli: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(if $(strip $(TORCH)),$(BIN)/python -m pip install -q "$(TORCH)")
	$(BIN)/python -m pip install -q -e ".[book,test]"
	@touch $@

install: $(BIN)/sfli

book: install
	$(BIN)/sfli book --profile $(PROFILE) $(WORKERS) $(ARGS)

test: install
	$(BIN)/python -m pytest $(ARGS)

clean:
	rm -rf _build results
