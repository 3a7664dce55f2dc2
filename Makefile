# The two set-up commands: `make demo` (the portal with demo data on SQLite) and `make test`
# (the whole test suite on SQLite and on PostgreSQL, side by side). Both create the virtualenv on first use.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PYTHON_SYSTEM ?= python3

.PHONY: demo test install translations clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

demo: install
	$(VENV)/bin/jamforaren demo

test: install
	PYTHON=$(PYTHON) scripts/test

# After changing texts in code or templates: extract, merge into the catalogues, then translate the
# new entries in translations/sv/LC_MESSAGES/messages.po (English is the source language).
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
		--project=Jämföraren -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance .pytest_cache
