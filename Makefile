# Two commands do all the set-up: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint clean system-deps screenshots

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt torch
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cohost serve

test: $(STAMP) system-deps tests/node/node_modules/.installed
	$(BIN)/python -m pytest -q

# Debian packages the tests use (chromium, a CJK font, redis-server, Node.js), only when missing.
system-deps:
	sh scripts/system-deps.sh

# The official socket.io / socket.io-client npm packages, pinned in tests/node/package-lock.json.
tests/node/node_modules/.installed: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The pictures in docs/screenshots, each page in 中文 and English (scripts/screenshots*.py).
screenshots: $(STAMP) system-deps
	$(BIN)/python scripts/screenshots.py
	$(BIN)/python scripts/screenshots_viewer.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV)
