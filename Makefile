# Entry points for people and CI. Everything is installed by these targets:
# a virtualenv in .venv with pinned dependencies, and the Pulumi engine (engine/build.sh).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The second test tier: the newest Pulumi SDK the declared range allows (pyproject.toml),
# everything else pinned as in constraints.txt.
NEWEST_SDK := 3.272.0
NEWEST := .venv-newest-sdk
NEWEST_INSTALLED := $(NEWEST)/.installed
CODE := pulumi_gpu tests bench examples __main__.py

.PHONY: test test-newest-sdk lint engine demo demo-destroy dist venv clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

$(NEWEST_INSTALLED): pyproject.toml constraints.txt Makefile
	test -x $(NEWEST)/bin/python || $(PYTHON) -m venv $(NEWEST)
	sed 's/^pulumi==.*/pulumi==$(NEWEST_SDK)/' constraints.txt > $(NEWEST)/constraints.txt
	$(NEWEST)/bin/python -m pip install --quiet --upgrade pip
	$(NEWEST)/bin/python -m pip install --quiet -c $(NEWEST)/constraints.txt -e '.[test]'
	touch $@

venv: $(INSTALLED)

## make engine: provide the Pulumi CLI (built once from the Go module proxy) and print its directory
engine:
	@engine/build.sh

## make lint: ruff (lint + format check) and mypy
lint: $(INSTALLED)
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)
	$(PY) -m mypy

## make test: lint, then every test (unit, emulator, client and engine end-to-end), spread
## over one pytest-xdist worker per core (TEST_WORKERS=0 runs them in this process), then
## the newest-SDK tier
TEST_WORKERS ?= auto
test: lint
	PULUMI_GPU_ENGINE_DIR="$$(engine/build.sh)" $(PY) -m pytest \
		--numprocesses=$(TEST_WORKERS) --dist=worksteal $(PYTEST_ARGS)
	$(MAKE) test-newest-sdk

## make test-newest-sdk: unit, provider-process and representative end-to-end tests with the
## newest Pulumi SDK the declared range allows (NEWEST_SDK)
NEWEST_SDK_TESTS := tests/unit tests/provider tests/e2e/test_runpod.py \
	tests/e2e/test_fleet.py tests/e2e/test_program_errors.py tests/e2e/test_gpudev.py
test-newest-sdk: $(NEWEST_INSTALLED)
	PULUMI_GPU_ENGINE_DIR="$$(engine/build.sh)" $(NEWEST)/bin/python -m pytest \
		--numprocesses=$(TEST_WORKERS) --dist=worksteal $(NEWEST_SDK_TESTS)

## make demo: start the emulator and `pulumi up` the demo on it (state in .demo/)
demo: $(INSTALLED)
	PULUMI_GPU_ENGINE_DIR="$$(engine/build.sh)" $(VENV)/bin/pulumi-gpu demo

## make demo-destroy: destroy the demo stack and stop the emulator
demo-destroy: $(INSTALLED)
	PULUMI_GPU_ENGINE_DIR="$$(engine/build.sh)" $(VENV)/bin/pulumi-gpu demo --destroy

## make dist: build the wheel and the sdist into dist/ (the schema and py.typed inside)
dist: $(INSTALLED)
	rm -rf dist
	$(PY) -m build --outdir dist

clean:
	rm -rf $(VENV) $(NEWEST) .pytest_cache .mypy_cache .ruff_cache .demo
