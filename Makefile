# otc.jobs build and test entry points; the logic is in scripts/.
#   make demo         run playbooks/demo.yml against the local emulator (the main job)
#   make test         every test stage (scripts/test.sh), fail fast
#   make sanity|units|emulator|integration   one stage
#   make bench        benchmarks against the emulator, writes BENCHMARKS.md (BENCH_ARGS="--runs 1")

SHELL := /bin/bash
PYTHON ?= python3
export PYTHON

.PHONY: help venv demo test sanity units emulator integration bench clean

help:
	@sed -n '2,5s/^# *//p' Makefile

venv:
	@bash scripts/venv.sh

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

sanity units emulator integration:
	@bash scripts/test.sh $@

bench:
	@bash scripts/bench.sh

clean:
	rm -rf .venv tests/output .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path "./.git/*" -exec rm -rf {} +
