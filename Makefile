# Two commands on a fresh machine:  `make demo`  and  `make test`.
# The first use creates .venv, installs torch 2.13.0 with pip's default index (on this
# project's machines that resolves to a CPU build kept on disk; on a stock Linux machine it
# is the CUDA build) and then the package. For the CPU build anywhere:
#   make demo TORCH_PIP_ARGS='--index-url https://download.pytorch.org/whl/cpu'
PYTHON ?= python3
TORCH_PIP_ARGS ?=
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all bench-ilp clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install $(TORCH_PIP_ARGS) torch==2.13.0
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/neurosym demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ''

# the ∂ILP suite at 0/10/20% label noise (long; results in bench/ilp/results-<device>)
bench-ilp: $(STAMP)
	bash bench/ilp/run_suite.sh

clean:
	rm -rf $(VENV) build *.egg-info
