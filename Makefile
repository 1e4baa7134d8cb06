# Every command a developer or CI needs. `make test` works on a fresh clone: it installs first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The installed packages are compiled to bytecode once, at install: with PYTHONDONTWRITEBYTECODE
# set (as on these machines) Python never writes a .pyc, so every process (each pytest worker,
# cfn-lint) compiled moto, botocore and the rest from source again (~2.5 s of CPU a process, ~12 s
# a `make test`, against ~14 s once here). Part of the stamp: an older .venv is compiled too.
COMPILE := $(BIN)/python -m compileall -q -j 0 $(VENV)/lib
STAMP := $(VENV)/.installed-$(shell (cat requirements/dev.txt layers/shared/requirements.txt; echo '$(COMPILE)') | sha1sum | cut -c1-12)
PORT ?= 3000
# uv installs the requirements (3 s from nothing against pip's 23 s); pip only installs uv.
UV_VERSION := 0.13.9
# SAM CLI, pinned; it lives in .venv-sam (it pins its own boto3). No telemetry from our builds.
SAM_CLI_VERSION := 1.170.0
SAM_STAMP := .venv-sam/.installed-$(SAM_CLI_VERSION)
export SAM_CLI_TELEMETRY := 0

.DEFAULT_GOAL := help

.PHONY: help install test lint typecheck cfn-lint pytest bench bench-coldstart bench-throughput mutation openapi run demo screenshots console-publish sam-build clean

help: ## what each target does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

install: $(STAMP) ## create .venv from the pinned requirements (every target runs it)

$(STAMP): requirements/dev.txt layers/shared/requirements.txt
	@echo "Installing the development tools into $(VENV) from requirements/dev.txt (seconds: uv does it)..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/dev.txt
	$(COMPILE) > /dev/null
	rm -f $(VENV)/.installed-*
	touch $@

test: install ## everything CI runs: lint, format, mypy, cfn-lint, pytest (side by side: pytest waits on sleeps)
	@$(MAKE) --no-print-directory -j 4 --output-sync=target lint typecheck cfn-lint pytest

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy (strict)
	$(BIN)/mypy

cfn-lint: install ## cfn-lint on template.yaml
	$(BIN)/cfn-lint template.yaml

pytest: install ## the whole pytest suite
	$(BIN)/pytest

bench: install $(SAM_STAMP) ## the engine against a unit-by-unit model; cold starts and the layer; what a return costs
	$(BIN)/python -m benchmarks

bench-coldstart: install $(SAM_STAMP) ## only the cold starts and the layer's size (part of make bench)
	$(BIN)/python -m benchmarks.coldstart

bench-throughput: install ## only the local stack's returns a second over HTTP (part of make bench)
	$(BIN)/python -m benchmarks.throughput

# Only the analytics query on a synthetic month (part of `make bench`).
bench-analytics: install
	$(BIN)/python -m benchmarks.analytics

# Mutation testing of the engine (not part of `make test`). MUTATION_JOBS: mutants at once (the
# machine is shared); MUTANTS: globs to run part of them, e.g. MUTANTS='returns_core.money.*'.
MUTATION_JOBS ?= 1
MUTANTS ?=
mutation: install ## mutation testing of the engine (slow; not in make test)
	$(BIN)/python -m pip install --quiet -r requirements/mutation.txt
	$(BIN)/python -m tools.mutation --jobs $(MUTATION_JOBS) $(MUTANTS)

openapi: install ## regenerate openapi.json from the code
	$(BIN)/python -m tools.openapi > openapi.json

run: install ## the whole service on http://127.0.0.1:3000 (PORT=3001 make run for another port)
	PORT=$(PORT) $(BIN)/python -m local.server

demo: install ## the seed's story over HTTP (starts make run if none answers)
	PORT=$(PORT) $(BIN)/python -m local.demo

# The README's pictures of the CS console, taken by its browser tests (needs Chromium).
screenshots: install ## the README's pictures of the CS console (needs Chromium)
	CONSOLE_SCREENSHOTS=1 CONSOLE_BROWSER_REQUIRED=1 $(BIN)/pytest -o addopts="-q" tests/console

# The CS console's files into the deployed stack's bucket (AWS credentials from the environment).
console-publish: install ## the CS console's files into the deployed stack's bucket
	$(BIN)/python -m tools.publish_console --stack $(or $(STACK),returns-service)

# sam pins its own boto3: it lives in a virtualenv of its own. Builds without Docker.
sam-build: $(SAM_STAMP) ## sam build (python3.11, arm64, no Docker) with the pinned SAM CLI
	.venv-sam/bin/sam build

$(SAM_STAMP):
	@echo "Installing aws-sam-cli $(SAM_CLI_VERSION) into .venv-sam (seconds: uv does it)..."
	test -x .venv-sam/bin/python || $(PYTHON) -m venv .venv-sam
	.venv-sam/bin/pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	rm -f .venv-sam/.installed-*
	touch $@

clean: ## remove the virtualenvs, build output and caches
	rm -rf $(VENV) .venv-sam .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .mutation
