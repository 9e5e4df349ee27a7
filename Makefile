# Portal CRM — `make serve` to run it, `make test` to check it.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
PORTAL  := .venv/bin/portal
PYBABEL := .venv/bin/pybabel
INI     ?= development.ini
SCALE   ?= small
STAMP   := .venv/.installed-$(shell cat setup.py | md5sum | cut -c1-8)

.PHONY: serve test install assets i18n-extract i18n-update i18n-compile db bench load bench-kotti clean

serve: install assets i18n-compile db
	@echo ""
	@echo "  Portal CRM: http://127.0.0.1:6543/"
	@echo "  Demo logins (password demo1234): admin (administrator), director, sokolov (sales head),"
	@echo "  popova (sales), fedorova (support head), egorov (dispatcher), belova (secretary),"
	@echo "  vinogradova (chief accountant)"
	@echo ""
	$(PORTAL) serve $(INI)

# The suite runs on TEST_WORKERS processes (pytest-xdist), each with its own SQLite files and
# its own throwaway PostgreSQL; a module's tests stay together on one of them.
TEST_WORKERS ?= 2

test: install assets i18n-compile
	.venv/bin/ruff check --quiet .
	.venv/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadscope

install: $(STAMP)

$(STAMP): setup.py
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade "pip" "setuptools<81" wheel
	$(PIP) install -q -e ".[test]"
	touch $(STAMP)

# Front-end libraries from npm (package-lock.json), copied to static/vendor/ (not committed), and
# the one stylesheet every page loads, static/vendor/portal.bundle.css (static/build-css.mjs):
# Bootstrap and its icons less the rules no page uses (PurgeCSS reads the templates, scripts and
# Python code), the icon font cut to the icons left and shown with font-display: swap, then the
# event calendar's CSS and static/css/*.css. Rebuilt when any file it reads changes.
ASSET_SOURCES := $(shell find views portal models workflows config static/js static/css \
  \( -name '*.jinja2' -o -name '*.py' -o -name '*.js' -o -name '*.yaml' -o -name '*.css' \) 2>/dev/null)

assets: static/vendor/.built static/vendor/portal.bundle.css

static/vendor/.built: package.json package-lock.json
	npm ci --include=dev --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap/js static/vendor/event-calendar
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/js/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/
	cp node_modules/@event-calendar/build/dist/event-calendar.min.js static/vendor/event-calendar/
	mkdir -p static/vendor/toastui
	node_modules/.bin/esbuild node_modules/@toast-ui/editor/dist/esm/index.js --bundle --minify \
	  --format=iife --global-name=toastui --log-level=warning --outfile=static/vendor/toastui/toastui-editor.min.js
	cp node_modules/@toast-ui/editor/dist/i18n/ru-ru.js node_modules/@toast-ui/editor/dist/toastui-editor.css static/vendor/toastui/
	touch static/vendor/.built

static/vendor/portal.bundle.css: static/vendor/.built static/build-css.mjs $(ASSET_SOURCES)
	node static/build-css.mjs

# Translations: extract → update the catalogs → translate → compile.
i18n-extract: install
	$(PYBABEL) extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location \
	  -o portal/locale/portal.pot portal models views workflows

i18n-update: i18n-extract
	$(PYBABEL) update -D portal -i portal/locale/portal.pot -d portal/locale --no-fuzzy-matching

i18n-compile: install
	$(PYBABEL) compile -D portal -d portal/locale --statistics

# The database is brought up to the latest schema on every start; the demo company is added
# only when the file is new.
db: install
	@mkdir -p var
	@if [ -f var/portal.sqlite ]; then $(PORTAL) initdb $(INI); \
	else $(PORTAL) initdb $(INI) && $(PORTAL) demo $(INI); fi

bench: install assets i18n-compile
	$(PY) -m tests.bench.run --scale $(SCALE)

# Throughput: the portal on loopback (SQLite one process; PostgreSQL two processes when it is
# installed) under LOAD_USERS (20) locust users, 80 % reads / 20 % writes, for LOAD_SECONDS (60).
# Ends with `load <backend> <n> req/s p50=<ms> p95=<ms> errors=<n>`. See tests/load/run.py.
load: install assets i18n-compile
	@$(PY) -c "import locust" 2>/dev/null || $(PIP) install -q -e ".[load]"
	$(PY) -m tests.load.run

# Our pages against Kotti 2.0.9's, interleaved, one waitress thread each; Kotti gets its own
# virtualenv (KOTTI_VENV, default var/kotti-venv), made here when missing.
# See tests/bench/kotti_side_by_side.py.
bench-kotti: install assets i18n-compile
	@kv=$${KOTTI_VENV:-var/kotti-venv}; \
	if ! $$kv/bin/python -c "import kotti, waitress" 2>/dev/null; then \
	  echo "Installing Kotti 2.0.9 into $$kv"; \
	  python3 -m venv $$kv && $$kv/bin/pip install -q Kotti==2.0.9 "SQLAlchemy<1.5" \
	    "SQLAlchemy-Utils<0.42" "zope.sqlalchemy<2" "alembic<1.14" || exit 1; \
	fi
	$(PY) -m tests.bench.kotti_side_by_side

clean:
	rm -rf .venv node_modules static/vendor var/*.sqlite* var/load var/kotti var/kotti-venv
