# TicketsToHeaven: every entry point a person or CI uses. Each target runs
# set-up first (scripts/bootstrap: idempotent, seconds when nothing changed).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE_DIR := $(or $(TTH_CACHE_DIR),$(XDG_CACHE_HOME),$(HOME)/.cache)
ENV_SH := $(if $(TTH_CACHE_DIR),$(TTH_CACHE_DIR),$(CACHE_DIR)/tickets-to-heaven)/env.sh
WITH_TOOLS := scripts/bootstrap && source $(ENV_SH) &&

# Every suite `make test` runs, in order: cheapest first.
SUITES := lint,unit,unit-py313,policy,integration,frontend

.PHONY: help setup up down status test lint unit policy integration integration-localstack frontend bench cost stress clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

setup: ## Install or find every tool (cached; seconds when nothing changed)
	@scripts/bootstrap

up: ## Deploy the whole stack to the embedded emulator and serve the site locally
	@$(WITH_TOOLS) tox run -q -e up

down: ## Stop what `make up` started (the stack is destroyed with it)
	@python3 -m harness.daemon stop

status: ## Show whether `make up` is running, and where
	@python3 -m harness.daemon status

test: ## Run every suite (set-up first)
	@$(WITH_TOOLS) tox run -e $(SUITES)

lint unit policy integration frontend: ## Run one suite
	@$(WITH_TOOLS) tox run -e $@

integration-localstack: ## The integration suite on LocalStack 4.14 (host mode, no Docker) + moto for the rest
	@TTH_WITH_LOCALSTACK=1 $(WITH_TOOLS) tox run -e integration-localstack

cost: ## Cost per 1000 orders and the monthly bill from a real run's recorded calls: reports/cost.md
	@# tox -e policy writes the production plan; skipped when the recorded run and plan are of this code (TTH_COST_FRESH=1 redoes both)
	@$(WITH_TOOLS) { [ -s reports/policy/tfplan.json ] && python3 -m harness.usage check --dir reports/cost || tox run -e policy; } && tox run -e cost

bench: ## Measure speed and size targets, write reports/bench.md
	@$(WITH_TOOLS) tox run -e bench

N ?= 200
M ?= 20
stress: ## N orders (200) by M customers (20) with injected faults; ledger + load figure in reports/stress.md
	@$(WITH_TOOLS) tox run -e stress -- --orders $(N) --customers $(M)

clean: ## Remove build output, reports and tox envs (keeps the tool cache)
	rm -rf build reports .tox frontend/dist frontend/test-results
