# The README's two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PY := .venv/bin/python
# The interpreter the virtual environment is made from (ADR 0003): Debian's python3.11 is built
# with profile-guided and link-time optimisation and libpython linked in, about a third faster
# on this code than a plain source build such as pyenv's. `make PYTHON=...` chooses another.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3)
# The environment's stamp names the interpreter, so choosing another one makes it again.
SYNCED := .venv/.synced$(subst /,-,$(PYTHON))
UV := .tools/bin/uv
UV_VERSION := 0.13.9
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
PORT ?= 8000

.PHONY: run test install lint format check-migrations browser idcheck-fixtures redis-server clean bench

# With DATABASE_URL, REDIS_URL and CELERY_BROKER_URL unset, core/embedded.py starts PostgreSQL
# and Valkey from their wheels under var/embedded/ and stops them when the command ends.
EMBEDDED := $(PY) -m core.embedded

run: install ## Run the service with a Celery worker on the embedded PostgreSQL and Valkey
	@PORT=$(PORT) $(EMBEDDED) --purpose run -- bin/demo

# In parallel (pytest-xdist): each worker has its own database, data folder and Redis databases
# (config/settings_test.py). `make test PYTEST_ARGS=...` chooses other options.
PYTEST_ARGS ?= -n $(TEST_WORKERS) --durations=20
TEST_WORKERS ?= 2

test: install browser idcheck-fixtures redis-server ## Run the whole test suite
	$(EMBEDDED) --purpose test -- $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

install: $(SYNCED) static/vendor/nhsuk/.built

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): pyproject.toml uv.lock $(UV)
	@rm -f .venv/.synced*
	$(UV) sync --frozen --group dev --python $(PYTHON)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/vendor/nhsuk/.built: node_modules/.installed
	rm -rf static/vendor/nhsuk && mkdir -p static/vendor/nhsuk
	cp $(NHSUK)/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js static/vendor/nhsuk/
	cp -r $(NHSUK)/assets static/vendor/nhsuk/assets
	@touch $@

# Browser tests drive the system Chromium (Debian's package); Playwright downloads nothing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The fault tests start and restart a redis-server of their own on a spare port
# (tests/fixtures/redis_server.py); Debian's package, apt-get only when missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing redis-server with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# The P9 photo ID tests make their own media: an OCR-B font for the passport's MRZ and
# espeak-ng for the spoken numbers (Debian packages; apt-get only when missing), and real
# face photos from face_recognition 1.3.0's sdist on PyPI (pip, hash-checked, into var/).
idcheck-fixtures: install
	@{ test -f /usr/share/fonts/opentype/ocr-b/OCRB.otf && command -v espeak-ng >/dev/null 2>&1; } || { \
	  echo "Installing fonts-ocr-b and espeak-ng with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ocr-b espeak-ng >/dev/null; }
	@$(PY) -m tests.verification.idchecks.faces_media

# Benchmarks print numbers (see docs/performance.md). They need the local PostgreSQL and Redis.
BENCH_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
	REDIS_URL=redis://127.0.0.1:6379/5 CELERY_BROKER_URL=redis://127.0.0.1:6379/6
# bench/oidc.py drives the provider with wrk (Debian's package; apt-get only when missing).
bench: install redis-server
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing wrk with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'bench'" \
	  | grep -q 1 || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE bench"
	@# Statement counts of the hot paths against their budgets: exits non-zero when one is over.
	$(PY) bench/statements.py
	$(BENCH_ENV) $(PY) bench/signin.py --seconds 30
	$(BENCH_ENV) $(PY) bench/oidc.py
	@# Against node-oidc-provider 9 (bench/peers/): its own database (bench_peer) and Redis server.
	@test -d bench/peers/node_modules || (cd bench/peers && npm ci --no-audit --no-fund)
	$(PY) bench/peer.py
	$(BENCH_ENV) $(PY) bench/trace.py
	$(PY) bench/idcheck.py
	$(PY) bench/gp_online_details.py
	$(PY) bench/proofing.py
	@# Two nodes sharing only PostgreSQL and Redis, and 50 patients at once: each makes its own
	@# database (bench_nodes, bench_load) and uses Redis databases 13-15 of the same servers.
	$(PY) bench/nodes.py
	$(PY) bench/load.py --patients 50

clean:
	rm -rf .venv .tools node_modules static/vendor var
