# Set-up, demo and test entry points. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: venv demo test test-fast check lint format bench clean system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, alone: the CPU wheel on local disk (a range would pull a CUDA build)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(VENV)/bin/cx-nlp score data_samples/feedback.csv -o out/demo_scored.jsonl \
		--id-column id --language-column language --channel-column channel \
		--date-column created_at --rating-column rating --profile fast || [ $$? -eq 3 ]
	$(PY) -m cx_nlp.demo_summary out/demo_scored.jsonl

# Debian packages the slow tests use: chromium (report in a browser), PostgreSQL (API jobs).
SYSTEM_PACKAGES := chromium chromium-driver postgresql

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
			>/dev/null || echo "apt-get could not install $$missing; the tests needing them skip"; \
	else \
		echo "missing system packages (the slow tests that need them skip): $$missing"; \
		echo "install them with: sudo apt-get install --no-install-recommends $$missing"; \
	fi

test: venv system-deps
	$(PY) -m pytest

test-fast: venv
	$(PY) -m pytest -m 'not slow'

check: venv
	$(VENV)/bin/ruff format --check cx_nlp api tests benchmarks
	$(VENV)/bin/ruff check cx_nlp api tests benchmarks
	$(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff format cx_nlp api tests benchmarks
	$(VENV)/bin/ruff check --fix .

bench: venv
	$(PY) benchmarks/pipeline.py

clean:
	rm -rf out .pytest_cache .mypy_cache
