# otc.jobs build and test entry points; the logic is in scripts/.
#   make demo         run playbooks/demo.yml against the local emulator (the main job)
#   make test         every test stage (scripts/test.sh), fail fast
#   make sanity|units|emulator|integration   one stage

SHELL := /bin/bash
PYTHON ?= python3
export PYTHON

.PHONY: help venv demo test sanity units emulator integration clean

help:
	@sed -n '2,4s/^# *//p' Makefile

venv:
	@bash scripts/venv.sh

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

sanity units emulator integration:
	@bash scripts/test.sh $@

clean:
	rm -rf .venv tests/output .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path "./.git/*" -exec rm -rf {} +
