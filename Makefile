# PhanAnh: make run (serve with demo data) and make test (the whole suite). See README.md.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench rasa system-deps clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/phananh seed --demo
	@echo ""
	@echo "  PhanAnh on http://127.0.0.1:8000   (staff site /admin/, API docs /docs)"
	@echo "  Đăng nhập / log in:  admin / demo1234   (other demo logins in the table above)"
	@echo ""
	$(BIN)/phananh serve --host 127.0.0.1 --port 8000

# Debian packages the real-PostgreSQL, real-browser, real-Redis and real-MQTT tests need (installed only when missing).
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	{ command -v mosquitto || test -x /usr/sbin/mosquitto; } >/dev/null 2>&1 || missing="$$missing mosquitto"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: install system-deps
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder --durations=15

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install system-deps
	@command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk not installed: the API load comes from aiohttp"; }
	$(BIN)/python -m bench

rasa: install
	bash nlu/scripts/rasa.sh all

clean:
	rm -rf $(VENV) var .pytest_cache
