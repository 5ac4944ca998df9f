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

# The tests' processes (pytest workers, provider plugins) write bytecode caches, whatever
# the environment says: without them each of them compiled the package and the tests again
# (about 4 s of every pytest worker's start, and a part of every provider process's).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: check test test-newest-sdk lint engine demo demo-destroy dist venv clean

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

## make lint: ruff (lint + format check) and mypy (the package; each example as its user
## would check it, strict)
lint: $(INSTALLED)
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)
	$(PY) -m mypy
	for example in examples/*/__main__.py; do \
		$(PY) -m mypy --strict --no-error-summary "$$example" || exit 1; done

## make check: the inner loop, in about a minute: lint, then every test that needs no
## engine (unit, fleet files, the emulator, the clients, provider processes)
CHECK_TESTS := tests/unit tests/fleet tests/emulator tests/clients tests/provider
check: lint
	$(PY) -m pytest --numprocesses=$(TEST_WORKERS) --dist=worksteal $(CHECK_TESTS)

## make test: lint, then every test (unit, emulator, client and engine end-to-end), spread
## over pytest-xdist workers (TEST_WORKERS=0 runs them in this process), then the
## newest-SDK tier. Two workers per core: an end-to-end test spends about half its time
## waiting on emulated clouds, so one per core left the cores idle half the time.
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))
test: lint
	PULUMI_GPU_ENGINE_DIR="$$(engine/build.sh)" $(PY) -m pytest \
		--numprocesses=$(TEST_WORKERS) --dist=worksteal $(PYTEST_ARGS)
	$(MAKE) test-newest-sdk

## make test-newest-sdk: with the newest Pulumi SDK the declared range allows (NEWEST_SDK),
## the tests of what the SDK does for us: the unit tests, the provider process (its
## server, workers and errors), programs through the engine (secrets in state, a fleet,
## errors as printed once, a user's pytest suite ending cleanly), a provider process whose
## engine is killed, and the provider plugin (the SDK's property serialization and
## generated gRPC stubs) under a YAML program
NEWEST_SDK_TESTS := tests/unit tests/provider tests/e2e/test_engine_smoke.py \
	tests/e2e/test_fleet.py tests/e2e/test_program_errors.py tests/e2e/test_user_pytest.py \
	tests/conformance/test_faults.py::test_engine_killed_then_destroy \
	tests/e2e/test_yaml_fleet.py
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
