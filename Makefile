# Zhengwu make targets. `make demo` and `make test` are the README's two commands.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SYSTEM_PACKAGES := fonts-noto-cjk chromium poppler-utils gettext
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: setup system-packages demo test lint bench messages clean

setup: $(STAMP) system-packages messages

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install these Debian packages as root: sudo apt-get install$$missing"; \
	  fi; \
	fi

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

demo: setup
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py demo
	@echo "公众门户: http://$(HOST):$(PORT)/    工作台: http://$(HOST):$(PORT)/workbench/"
	ZHENGWU_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0

test: lint
	$(BIN)/pytest -q

bench: setup
	@# bench/portal.py needs nginx and wrk (Debian's); installed when missing (as root).
	@command -v wrk >/dev/null && { command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends nginx-light wrk >/dev/null; }
	@set -e; found=0; for b in bench/*.py; do \
	  [ -f "$$b" ] && [ "$$b" != bench/common.py ] || continue; found=1; $(BIN)/python $$b $(BENCH_ARGS); \
	done; [ $$found = 1 ] || echo "bench: no benchmarks yet"

clean:
	rm -rf $(VENV) var
