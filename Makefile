# Every command a developer or CI needs. `make test` works on a fresh clone: it installs first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt layers/shared/requirements.txt | sha1sum | cut -c1-12)
PORT ?= 3000

.PHONY: install test lint typecheck cfn-lint pytest bench mutation openapi run demo screenshots console-publish sam-build clean

install: $(STAMP)

$(STAMP): requirements/dev.txt layers/shared/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

test: install lint typecheck cfn-lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

cfn-lint: install
	$(BIN)/cfn-lint template.yaml

pytest: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks

# Mutation testing of the engine (not part of `make test`). MUTATION_JOBS: mutants at once (the
# machine is shared); MUTANTS: globs to run part of them, e.g. MUTANTS='returns_core.money.*'.
MUTATION_JOBS ?= 1
MUTANTS ?=
mutation: install
	$(BIN)/python -m pip install --quiet -r requirements/mutation.txt
	$(BIN)/python -m tools.mutation --jobs $(MUTATION_JOBS) $(MUTANTS)

openapi: install
	$(BIN)/python -m tools.openapi > openapi.json

run: install
	PORT=$(PORT) $(BIN)/python -m local.server

demo: install
	PORT=$(PORT) $(BIN)/python -m local.demo

# The README's pictures of the CS console, taken by its browser tests (needs Chromium).
screenshots: install
	CONSOLE_SCREENSHOTS=1 CONSOLE_BROWSER_REQUIRED=1 $(BIN)/pytest -o addopts="-q" tests/console

# The CS console's files into the deployed stack's bucket (AWS credentials from the environment).
console-publish: install
	$(BIN)/python -m tools.publish_console --stack $(or $(STACK),returns-service)

# sam pins its own boto3: it lives in a virtualenv of its own. Builds without Docker.
sam-build:
	test -x .venv-sam/bin/sam || ($(PYTHON) -m venv .venv-sam && .venv-sam/bin/pip install --quiet aws-sam-cli)
	.venv-sam/bin/sam build

clean:
	rm -rf $(VENV) .venv-sam .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .mutation
