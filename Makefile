# Portal CRM — `make serve` to run it, `make test` to check it.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
PORTAL  := .venv/bin/portal
PYBABEL := .venv/bin/pybabel
INI     ?= development.ini
SCALE   ?= small
STAMP   := .venv/.installed-$(shell cat setup.py | md5sum | cut -c1-8)

.PHONY: serve test install assets i18n-extract i18n-update i18n-compile db bench clean

serve: install assets i18n-compile db
	@echo ""
	@echo "  Portal CRM: http://127.0.0.1:6543/"
	@echo "  Demo logins (password demo1234): admin (administrator), director, sokolov (sales head),"
	@echo "  popova (sales), fedorova (support head), egorov (dispatcher), belova (secretary),"
	@echo "  vinogradova (chief accountant)"
	@echo ""
	$(PORTAL) serve $(INI)

test: install assets i18n-compile
	.venv/bin/ruff check --quiet .
	.venv/bin/lint-imports --no-cache
	$(PY) -m pytest -q

install: $(STAMP)

$(STAMP): setup.py
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade "pip" "setuptools<81" wheel
	$(PIP) install -q -e ".[test]"
	touch $(STAMP)

# Front-end libraries from npm (package-lock.json), copied to static/vendor/ (not committed).
assets: static/vendor/.built

static/vendor/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap/css static/vendor/bootstrap/js static/vendor/bootstrap-icons
	cp node_modules/bootstrap/dist/css/bootstrap.min.css static/vendor/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/js/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css static/vendor/bootstrap-icons/
	cp -r node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/
	mkdir -p static/vendor/event-calendar
	cp node_modules/@event-calendar/build/dist/event-calendar.min.js node_modules/@event-calendar/build/dist/event-calendar.min.css static/vendor/event-calendar/
	touch static/vendor/.built

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

clean:
	rm -rf .venv node_modules static/vendor var/*.sqlite*
