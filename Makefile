# PhysNet: `make run` sets up and serves the demo; `make test` sets up and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export PHYSNET_CHROMIUM ?= /usr/bin/chromium

# Debian packages: python-ldap builds against libldap/libsasl; tests run slapd, ldap-utils
# and Chromium; services are PostgreSQL and Redis. Attachments are OCR'd by tesseract.
RUN_DEBS := python3-venv python3-dev gcc libldap-dev libsasl2-dev tesseract-ocr tesseract-ocr-eng
TEST_DEBS := $(RUN_DEBS) slapd ldap-utils chromium fonts-noto-color-emoji postgresql redis-server nginx-light
# bench/scale.py puts a real nginx (sticky sessions) in front of the server processes.
BENCH_DEBS := postgresql redis-server nginx-light

.PHONY: run test lint bench setup setup-test services format clean lock lock-check dist

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

$(STAMP): pyproject.toml setup.py
	$(call apt_install,$(RUN_DEBS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[ldap,search,test,dev]'
	touch $(STAMP)

setup: $(STAMP)

setup-test: setup
	$(call apt_install,$(TEST_DEBS))

## Start PostgreSQL and Redis when they are not answering (the test suite needs both).
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done

run: setup
	$(BIN)/physnet db upgrade
	$(BIN)/physnet demo load
	$(BIN)/physnet run --host $(HOST) --port $(PORT)

# One pytest-xdist worker per core (0: one process); a module marked xdist_group stays on one.
PYTEST_WORKERS ?= auto

test: setup-test services lock-check
	$(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup

lint: setup lock-check
	$(BIN)/ruff format --check physnet tests bench tools wsgi.py setup.py
	$(BIN)/ruff check physnet tests bench tools wsgi.py setup.py
	$(BIN)/mypy physnet/actions
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff format physnet tests bench tools wsgi.py setup.py
	$(BIN)/ruff check --fix physnet tests bench tools wsgi.py setup.py

## requirements.lock: the production dependencies pinned and hashed (docs/install.md), resolved
## by uv from pyproject.toml. Run it after changing a dependency; lock-check (make test and
## make lint) fails until you do.
lock: setup
	$(BIN)/python tools/lock.py write

lock-check: setup
	@$(BIN)/python tools/lock.py check

## The wheel and sdist an admin installs (docs/install.md), in dist/.
dist: setup
	$(BIN)/python -m build --outdir dist .

bench: setup services
	PHYSNET_RATELIMITS=off $(BIN)/python bench/messaging.py
	$(BIN)/python bench/frames.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/search.py --sizes 100000
	PHYSNET_RATELIMITS=off $(BIN)/python bench/search_quality.py
	$(BIN)/python bench/search_limits.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/ldap_sync.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/people.py
	$(BIN)/python bench/phi.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/files.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/push.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/insights.py
	$(call apt_install,$(BENCH_DEBS))
	$(BIN)/python bench/rooms.py
	PHYSNET_RATELIMITS=off $(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) instance search_index/* .pytest_cache build dist *.egg-info
