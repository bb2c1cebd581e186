# The two commands: `make run` (the portal, a Celery worker and beat) and `make test`.
# Needs only Python 3.11. Everything else goes into .venv/ from the lock files.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Each port gets its own folder for SQLite, the embedded broker, mail and files,
# so two copies (PORT=8001 DATABASE_URL=sqlite:////tmp/x.sqlite3 make run) never mix.
IPP_VAR_DIR ?= $(if $(filter 8000,$(PORT)),var,var/port-$(PORT))
export IPP_VAR_DIR

.PHONY: run test bench faults soak install install-dev lock vendor messages lint clean

$(VENV)/.runtime: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.lock
	@touch $@

$(VENV)/.dev: requirements-dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.lock
	@touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py createcachetable
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	@echo "Portal: http://127.0.0.1:$(PORT)/  (demo accounts in README.md; mail in $(IPP_VAR_DIR)/mail/)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DEBUG=$${DEBUG:-1} IPP_WEB_PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile.dev

test: install-dev
	$(PY) tests/run_suite.py $(ARGS)

# Proof (issue 7), not part of `make test`: the benchmark at a million items on PostgreSQL (writes
# docs/benchmarks.md and docs/benchmarks.json), the fault tests, and a soak of mixed traffic.
bench: install-dev
	$(PY) bench/run.py $(ARGS)

faults: install-dev
	$(PY) -m pytest -p no:cacheprovider -o addopts="-ra --strict-markers" tests/faults $(ARGS)

soak: install-dev
	$(PY) bench/soak.py $(ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

# Maintainers: recompile the locks after changing pyproject.toml.
lock:
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -q -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python-version 3.11 -q -o requirements-dev.lock

# Maintainers: refresh the vendored Bootstrap from its npm package (needs npm).
BOOTSTRAP_VERSION := 5.3.8
vendor:
	cd /tmp && npm pack bootstrap@$(BOOTSTRAP_VERSION) -q && rm -rf package && tar xzf bootstrap-$(BOOTSTRAP_VERSION).tgz
	cp /tmp/package/dist/css/bootstrap.min.css* /tmp/package/dist/js/bootstrap.bundle.min.js* /tmp/package/LICENSE static/vendor/bootstrap/

# Maintainers: extract and compile translations (needs gettext).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf var .pytest_cache
