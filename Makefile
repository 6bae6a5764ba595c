# Taynghe: two commands.
#   make run   set everything up and serve the platform with demo data on http://127.0.0.1:8000
#   make test  set everything up and run every check and test
# DATABASE_URL chooses the database (SQLite under var/ when unset).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP  := $(VENV)/.installed
APT_PACKAGES := chromium ffmpeg gettext
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist); each gets its own test database.
PYTEST_WORKERS ?= 2

.PHONY: run test setup system-packages node-packages messages lint check pytest migrate demo bench bench-packages clean

run: setup node-packages messages migrate demo
	@echo ""
	@echo "Taynghe is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@# A background worker runs the queued jobs (package imports) beside the web server.
	TASKS_BACKEND=django_tasks_db.DatabaseBackend $(MANAGE) db_worker --interval 1 --no-startup-delay & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	TASKS_BACKEND=django_tasks_db.DatabaseBackend $(MANAGE) runserver $(HOST):$(PORT)

test: setup system-packages node-packages messages lint check pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Needs $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,elasticsearch]"
	mkdir -p var
	touch $(STAMP)

# Debian packages the tests need: the browser, ffmpeg, gettext (compilemessages).
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

# scorm-again's runtimes, copied where the static files are found (git-ignored).
SCORM_AGAIN := courseware/static/courseware/vendor

node-packages: node_modules/.installed $(SCORM_AGAIN)/scorm2004.min.js

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.installed

$(SCORM_AGAIN)/scorm2004.min.js: node_modules/.installed
	mkdir -p $(SCORM_AGAIN)
	cp node_modules/scorm-again/dist/scorm12.min.js node_modules/scorm-again/dist/scorm12.min.js.map \
	   node_modules/scorm-again/dist/scorm2004.min.js node_modules/scorm-again/dist/scorm2004.min.js.map $(SCORM_AGAIN)/

messages: setup
	@command -v msgfmt >/dev/null || $(MAKE) system-packages
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: setup
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production \
	  DJANGO_SECRET_KEY=check-deploy-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	  DJANGO_ALLOWED_HOSTS=taynghe.example.vn \
	  $(MANAGE) check --deploy --fail-level WARNING

pytest: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS)

migrate: setup
	$(MANAGE) migrate --noinput

demo: setup
	$(MANAGE) load_demo

# The benchmarks' load generator for pages (bench/run.py), a Debian package.
bench-packages:
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian package: wrk"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk; }

bench: setup bench-packages
	$(PY) -m bench.run
	$(PY) -m bench.courseware_import
	$(PY) -m bench.courseware_commit
	$(PY) -m bench.sequencing
	$(PY) -m bench.lrs_load
	$(PY) -m bench.exam_load

clean:
	rm -rf $(VENV) node_modules var/static $(SCORM_AGAIN)
