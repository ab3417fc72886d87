# The two commands: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sovex-installed
export GX_ANALYTICS_ENABLED := false

.PHONY: install services demo test test-slow test-scale test-all bench lint format airflow storage-down clean bench-deid bench-consent bench-risk train-deid lexicons docs

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

## make bench-deid: free-text de-identification on the realistic test split and the generated
## notes, sovex vs Presidio's default in the same run, every leak listed (.sovex/bench-deid-leaks.txt)
bench-deid: install
	mkdir -p .sovex && $(BIN)/python -m benchmarks.deid --corpus both --notes 2000 --lang both --leaks .sovex/bench-deid-leaks.txt

## make docs: regenerate docs/cli.md and docs/request-file.md from the code (a test checks them)
docs: install
	$(BIN)/python -m sovex.reference_docs

## make train-deid: retrain the de-identification NER models (seeded; about 45 min on 2 cores)
train-deid: install
	$(BIN)/python -m anonymization.ner.train --lang both

## make lexicons: rebuild anonymization/lexicons from their pinned sources (maintainers only)
lexicons:
	bash anonymization/lexicons/build.sh

## make bench-risk: the event-level release gate on 2k, 20k and 100k-patient sources (what the
## chosen transformation keeps; the whole 100k assessed beside the extraction of the same tables)
bench-risk: install
	$(BIN)/python -m benchmarks.release_risk

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
