# The two set-up commands of the README: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
PYTHON ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup uv venv assets system-packages messages messages-update demo lint check ci worker worker-documents worker-hub worker-default beat

run: setup demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl+C stops)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: setup
	DJANGO_ENV=test $(UV) run --frozen pytest $(PYTEST_ARGS)

setup: venv assets system-packages messages
	@mkdir -p var
	$(MANAGE) migrate --noinput -v0

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

venv: uv
	$(UV) sync --frozen --python $(PYTHON)

# htmx and KERN come from npm (package-lock.json) and are served by the portal itself, never from a CDN.
assets:
	@test -d node_modules/@kern-ux/native || npm ci --no-audit --no-fund
	@mkdir -p static/vendor/kern static/vendor/htmx static/vendor/axe
	@cp node_modules/@kern-ux/native/dist/kern.min.css static/vendor/kern/
	@cp -r node_modules/@kern-ux/native/dist/fonts static/vendor/kern/
	@cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	@cp node_modules/axe-core/axe.min.js static/vendor/axe/ 2>/dev/null || true

# Tesseract with German and English data for the document checks; installed when missing and possible.
system-packages:
	@bash scripts/ensure-system-packages.sh

messages:
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

# After changing user-facing text: collect the messages for every shipped language, then translate
# the new entries (tests/i18n fails while any is missing or fuzzy).
LOCALES := de en fr es pt_BR tr uk ar hi vi
messages-update:
	$(MANAGE) makemessages $(addprefix -l ,$(LOCALES)) --no-obsolete --ignore=.venv --ignore=node_modules \
		--ignore=var --ignore=staticfiles --ignore=tests --ignore=bench --ignore=scripts
	$(UV) run --frozen python scripts/fill_source_catalogue.py locale/en/LC_MESSAGES/django.po

demo:
	$(MANAGE) seed_demo

lint:
	$(UV) run --frozen ruff check .

check: lint
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=wsa.example SITE_URL=https://wsa.example \
		WSA_OPERATOR_EMAIL=kontakt@wsa.test WSA_DATA_PROTECTION_OFFICER_EMAIL=datenschutz@wsa.test \
		WSA_ACCESSIBILITY_EMAIL=barrierefreiheit@wsa.test \
		$(MANAGE) check --deploy --fail-level WARNING

# One worker on all three queues (development, one machine). In production each queue gets its own
# workers (README "Scale-out"): documents on prefork (CPU-bound checks, soft time limits need prefork),
# hub on threads (waits on authorities, webhooks, mail), default on prefork. Beat: exactly one process.
worker:
	$(UV) run --frozen celery -A wsa worker -l info -Q documents,hub,default

WORKER_CONCURRENCY ?= 2
HUB_CONCURRENCY ?= 16
worker-documents:
	$(UV) run --frozen celery -A wsa worker -l info -Q documents --pool prefork --concurrency $(WORKER_CONCURRENCY) -n documents@%h

worker-hub:
	$(UV) run --frozen celery -A wsa worker -l info -Q hub --pool threads --concurrency $(HUB_CONCURRENCY) -n hub@%h

worker-default:
	$(UV) run --frozen celery -A wsa worker -l info -Q default --pool prefork --concurrency 1 -n default@%h

beat:
	$(UV) run --frozen celery -A wsa beat -l info
