# otc.jobs build and test entry points; the logic is in scripts/.
#   make demo         run playbooks/demo.yml against the local emulator (the main job)
#   make test         every test stage (scripts/test.sh), fail fast
#   make sanity|units|emulator|integration   one stage
#   make bench        benchmarks against the emulator, writes BENCHMARKS.md (BENCH_ARGS="--runs 1")
#   make canary       the integration stage on the newest ansible-core release there is (not part of CI)
#   make gen-docs     rewrite the docs' generated blocks from the service table and the auth methods

SHELL := /bin/bash

.PHONY: help venv demo test sanity units emulator integration bench canary gen-docs clean

help:
	@sed -n '2,7s/^# *//p' Makefile

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

canary:
	@bash scripts/canary.sh

gen-docs:
	@bash scripts/venv.sh >/dev/null && .venv/bin/python scripts/gen_docs.py

clean:
	rm -rf .venv .venv-core-* .venv-canary .cache tests/output .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path "./.git/*" -exec rm -rf {} +
