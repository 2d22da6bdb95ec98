# Two commands: `make run` and `make test`. Only Python 3.11 is needed beforehand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST := 127.0.0.1
PORT := 8000

.PHONY: run test install migrate seed lint schema contract clean-db bench

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
	$(PY) manage.py seed_demo --json > .data/demo.json
	@$(PY) -c "import json; d = json.load(open('.data/demo.json')); \
	print('\nDemo practice ready. Admin token (every location):\n  ' + d['token']); \
	print('Limited staff token (first location only):\n  ' + d['limited_token']); \
	print('\nTry:\n  curl -H \"Authorization: Bearer ' + d['token'] + '\" http://$(HOST):$(PORT)/api/v1/' + d['org_id'] + '/appointment-types'); \
	print('\nAPI docs: http://$(HOST):$(PORT)/api/docs/   Admin: http://$(HOST):$(PORT)/admin/\n')"

run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

# Not part of `make test`: 100,000 appointments in the org "Bench Dental" of the configured
# database, then median time and query count per request. BENCH_ARGS=--reset reloads.
bench: migrate
	$(PY) manage.py bench_appointments $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .

schema: install
	$(PY) manage.py spectacular --format openapi-json --file schema.json --validate

contract: install
	$(PY) ../shared/tools/contract_check.py

clean-db:
	rm -rf .data
