# Two commands: `make run` and `make test`. Only Python 3.11 is needed beforehand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST := 127.0.0.1
PORT := 8000

.PHONY: run test install migrate seed lint schema contract clean-db bench restart-check admin-screenshots

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	@mkdir -p .data
	$(PY) manage.py seed_demo --json $(SEED_ARGS) > .data/demo.json.tmp
	@mv .data/demo.json.tmp .data/demo.json
	@$(PY) -c "import json; d = json.load(open('.data/demo.json')); \
	print('\nDemo practice ready. Admin token (every location):\n  ' + d['token']); \
	print('Limited staff token (first location only):\n  ' + d['limited_token']); \
	print('\nTry:\n  curl -H \"Authorization: Bearer ' + d['token'] + '\" http://$(HOST):$(PORT)/api/v1/' + d['org_id'] + '/appointment-types'); \
	print('\nAPI docs: http://$(HOST):$(PORT)/api/docs/   Admin: http://$(HOST):$(PORT)/admin/\n')"

# `make run` prints the tokens of the last run again while they still work; `make seed` (and
# `manage.py seed_demo`) revoke them and issue fresh ones. scripts/serve.py runs runserver
# and, when make run is stopped (Ctrl-C, SIGTERM, SIGHUP, make killed), stops it and the
# embedded PostgreSQL unless another process of the checkout still uses it.
run: SEED_ARGS = --keep-tokens .data/demo.json
run: seed
	exec $(PY) scripts/serve.py $(HOST):$(PORT)

# Each `make test` has its own test database, so two runs in one checkout do not drop each
# other's (pytest drops it at the end; what a killed run leaves, `make clean-db` removes).
test: install
	TEST_DATABASE_NAME=$${TEST_DATABASE_NAME:-test_chairside_$$$$} $(PY) -m pytest $(PYTEST_ARGS)

# Not part of `make test` (minutes): 100,000 appointments in the org "Bench Dental" of the
# configured database, then the API under gunicorn (DEBUG=false, a bearer token) timed over
# HTTP beside a bare WSGI app and a direct read of the row, each figure as a ratio to its
# floor with the issue-10 targets. The gunicorns are stopped however the run ends.
# BENCH_ARGS: --reset reloads; --appointments N, --repeat N, --duration S, --connections C,
# --bulk-rows N, --bulk-repeat N, --import-rows N (10000; 0 skips the import).
bench: migrate
	$(PY) manage.py bench_appointments $(BENCH_ARGS)

# Not part of `make test` (minutes): stops `make run` in every way (Ctrl-C, SIGTERM, SIGKILL,
# a crash of PostgreSQL) and checks that the next `make run` and a test start cleanly.
restart-check: install
	$(PY) scripts/restart_check.py

# Not part of `make test`: seeds the demo, serves it on a free port and takes 1400x900
# screenshots of the admin with headless Chromium (Debian: apt-get install chromium) into
# .data/screenshots/; fails when a page errors or a list is wider than the window.
# SCREENSHOT_ARGS=--every-list adds every other list of the admin.
admin-screenshots: migrate
	$(PY) scripts/admin_screenshots.py $(SCREENSHOT_ARGS)

lint: install
	$(VENV)/bin/ruff check .

schema: install
	$(PY) manage.py spectacular --format openapi-json --file schema.json --validate

contract: install
	$(PY) ../shared/tools/contract_check.py

clean-db:
	@test ! -x $(PY) || $(PY) config/embedded_db.py stop --force .data >/dev/null
	rm -rf .data
