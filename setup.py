"""The distribution "portal-crm": the four packages, and the files they read at run time.

A wheel lays its files out as a checkout does: `config/` and `static/` sit beside `portal/`,
`models/`, `views/` and `workflows/` (in site-packages once installed), so the code finds them
the same way in both: relative to the folder that holds `portal/`.
"""
from setuptools import find_packages, setup

REQUIRES = [
    "pyramid==2.1",
    "pyramid_tm==2.6",
    "pyramid_retry==2.1.1",
    "pyramid_jinja2==2.10.1",
    "Jinja2==3.1.6",
    "SQLAlchemy==2.1.9",
    "zope.sqlalchemy==4.1",
    "transaction==5.1",
    "alembic==1.20.1",
    "SQLAlchemy-Continuum==2.0.0",
    "deform==3.0.1",
    "colander==2.0",
    "Chameleon==4.6.0",
    "waitress==3.0.2",
    "WebOb==1.8.11",
    "brotli==1.2.0",
    "argon2-cffi==25.1.0",
    "psycopg[binary]==3.3.9",
    "Babel==2.18.0",
    "PyYAML==6.0.3",
    "Faker==40.54.0",
    "plaster_pastedeploy==1.0.1",
    "icalendar==7.3.0",
    "python-dateutil==4.0.0",
    "markdown-it-py==4.3.0",
    "nh3==0.3.8",
    "openpyxl==3.1.5",
    # Sales documents from the office's Word templates (.docx), and the library it fills them with.
    "docxtpl==0.20.2",
    "python-docx==1.2.0",
    # Auto-plan and find-a-slot of the dispatch board (CP-SAT); a greedy plan without it.
    "ortools==9.15.6755",
]

TESTS_REQUIRE = [
    "pytest==9.2.0",
    "pytest-xdist==3.8.0",
    "WebTest==3.0.7",
    "playwright==1.65.2",
    "hypothesis==6.170.15",
    "beautifulsoup4==4.15.0",
    "aiosmtpd==1.4.6",
    "import-linter==2.17",
    "ruff==0.17.6",
]

# `make load`: the load generator (tests/load/).
LOAD_REQUIRE = [
    "locust==2.47.0",
]

PACKAGES = [
    *find_packages(
        include=["portal", "portal.*", "models", "models.*", "views", "views.*", "workflows",
                 "workflows.*"],
        exclude=["tests", "tests.*"],
    ),
    # Not Python packages: folders of data the code reads, carried in the wheel under their
    # own names (listed here so that setuptools ships their files, declared below).
    "config",
    "static",
]

PACKAGE_DATA = {
    # Translations: the catalogs, and their compiled form when `make i18n-compile` made it.
    "portal": ["locale/*.pot", "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"],
    "views": ["templates/**/*.jinja2"],
    # Alembic's template and the revisions (a folder of scripts Alembic reads, not a package).
    "models.alembic": ["script.py.mako", "versions/*.py"],
    # The default roles and lists (the deploy/ samples are for administrators, not the code).
    "config": ["*.yaml"],
    # Everything the application serves under /static/, vendor/ included once `make assets`
    # has built it.
    "static": ["**/*"],
}

setup(
    name="portal-crm",
    version="0.1.0",
    description="Portal CRM: the company's intranet portal and CRM",
    packages=PACKAGES,
    package_data=PACKAGE_DATA,
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=REQUIRES,
    extras_require={"test": TESTS_REQUIRE, "load": LOAD_REQUIRE},
    entry_points={
        "paste.app_factory": ["main = portal:main"],
        "console_scripts": ["portal = portal.cli:main"],
    },
)
