# The two commands: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sovex-installed
export GX_ANALYTICS_ENABLED := false

.PHONY: install services demo test test-slow test-scale test-all bench lint format airflow storage-down clean bench-deid bench-consent

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make services: PostgreSQL and Redis from Debian's packages when missing (tests start them on loopback)
services:
	bash infra/services/install.sh

## make demo: venv + install + local SeaweedFS + synthetic population + the real DAG
demo: install
	$(BIN)/sovex demo

## make test: everything needed, then the suite (integration included, slow ones excluded)
test: install services
	$(BIN)/pytest -m "not slow and not scale"

## make test-slow: the slow suites (publish fault injection), also run by .ci/run
test-slow: install services
	$(BIN)/pytest -m slow

## make test-scale: past one machine: Celery workers + Redis + PostgreSQL metadata, replicated SeaweedFS
test-scale: install services
	$(BIN)/pytest -m scale

test-all: install services
	$(BIN)/pytest

## make bench: the scale benchmark (floor, sovex, naive peer, publish; 10M rows, about 2 min)
bench: install
	$(BIN)/python -m benchmarks

## make bench-deid: free-text de-identification, sovex vs Presidio's default, same run
bench-deid: install
	$(BIN)/python -m benchmarks.deid --notes 2000 --lang both

## make bench-consent: 1M FHIR Consent resources into the registry (time, peak memory)
bench-consent: install
	$(BIN)/python -m benchmarks.consent_ingest --resources 1000000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make airflow: Airflow's standalone UI on 127.0.0.1 (a free port, 8081 if available)
airflow: install
	$(BIN)/sovex airflow-ui

storage-down: install
	$(BIN)/sovex storage down

clean: storage-down
	rm -rf .sovex
