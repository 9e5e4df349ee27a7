"""A built wheel works on its own: it carries the templates, translations, default
roles and lists, migrations and static files the code reads, and once installed away from the
checkout, `portal initdb` migrates a new database and adds the default roles, and the
application serves its pages in Russian and its static files, all from the installed copy.

The wheel is built offline with the project's own pip and setuptools (`--no-build-isolation`),
from a copy of the checkout so that the build leaves nothing behind in it. The copy is given
compiled catalogs (as `make i18n-compile` would make them) so that the check does not depend
on whether the checkout has compiled its own.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[3]
# What a build does not need from the checkout (and what it would be slow to copy).
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "node_modules", "var", "build", "dist",
                                    "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
                                    ".ruff_cache", ".import_linter_cache", "shots", "tests")


def run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                            **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def compile_catalogs(locale_dir: Path) -> None:
    for po in locale_dir.glob("*/LC_MESSAGES/portal.po"):
        with open(po, "rb") as f:
            catalog = read_po(f)
        with open(po.with_suffix(".mo"), "wb") as f:
            write_mo(f, catalog)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of the checkout to build from, its catalogs compiled."""
    if importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("pip") is None:
        missing("pip and setuptools in the project's venv (to build the wheel)")
    copy = tmp_path_factory.mktemp("build") / "source"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    compile_catalogs(copy / "portal" / "locale")
    return copy


@pytest.fixture(scope="module")
def wheel(source) -> Path:
    dist = source.parent / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "-w", dist, source])
    [built] = dist.glob("portal_crm-*.whl")
    return built


def checkout_files(pattern: str) -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern)
            if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                       for part in p.relative_to(ROOT).parts)}


def test_the_wheel_carries_what_the_code_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set().union(
        checkout_files("views/templates/**/*.jinja2"),
        checkout_files("portal/locale/*/LC_MESSAGES/portal.po"),
        {po[:-3] + ".mo" for po in checkout_files("portal/locale/*/LC_MESSAGES/portal.po")},
        checkout_files("config/*.yaml"),
        checkout_files("models/alembic/*.py"),
        checkout_files("models/alembic/script.py.mako"),
        checkout_files("models/alembic/versions/*.py"),
        checkout_files("static/**/*"),
        # Every module: a folder that forgot its __init__.py would be left out of the wheel.
        *(checkout_files(f"{package}/**/*.py") for package in ("portal", "models", "views", "workflows")),
    )
    assert "views/templates/auth/login.jinja2" in expected
    assert "config/roles.yaml" in expected and "static/css/portal.css" in expected
    assert sorted(expected - names) == []
    assert not [n for n in names if n.startswith(("tests/", "node_modules/"))]


def test_a_source_distribution_carries_what_the_wheel_is_built_from(source, wheel):
    """MANIFEST.in: the sdist carries every file the wheel holds, so that a wheel built from it
    (as pip builds one from an sdist) is the same wheel."""
    sdist = source.parent / "sdist"
    run([sys.executable, "-c", f"from setuptools import build_meta; "
         f"build_meta.build_sdist({str(sdist)!r})"], cwd=source)
    [archive] = sdist.glob("portal_crm-*.tar.gz")
    with tarfile.open(archive) as tar:
        carried = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    needed = {name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    assert sorted(needed - carried) == []
    assert {"setup.py", "MANIFEST.in", "development.ini", "config/deploy/nginx.conf"} <= carried


@pytest.fixture(scope="module")
def scratch_python(wheel, tmp_path_factory) -> tuple[Path, Path]:
    """A fresh venv that holds the installed wheel and, for the dependencies, the project venv's
    site-packages as a plain path (its .pth files are not run, so the finder that maps our
    packages to the checkout in the editable install is not there). Returns (python, target)."""
    work = tmp_path_factory.mktemp("scratch")
    target = work / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", target, wheel])
    run([sys.executable, "-m", "venv", "--without-pip", work / "venv"])
    python = work / "venv" / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                    env=clean_env()).stdout.strip())
    dependencies = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "portal_wheel.pth").write_text("\n".join([str(target), *dependencies]) + "\n")
    return python, target


def clean_env() -> dict:
    """The environment without anything that would put the checkout back on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


INI = """\
[app:main]
use = egg:portal-crm
sqlalchemy.url = sqlite:///%(here)s/portal.sqlite
session.secret = scratch-secret
pyramid.default_locale_name = en
portal.files_dir = %(here)s/files
"""

# Run by the scratch venv's python, beside the ini file: where our code came from, and what the
# application answers (the login page in Russian, a static file).
CHECK = textwrap.dedent("""\
    import json, sys
    import importlib.metadata
    import models, portal, views, workflows
    import webtest
    from pyramid.paster import get_app
    from portal.clients.rules import CONFIG_PATH, load_classifiers_config
    from portal.security.default_roles import CONFIG_DIR

    app = webtest.TestApp(get_app("portal.ini"))
    login = app.get("/login", headers={"Accept-Language": "ru"})
    css = app.get("/static/css/portal.css")
    print(json.dumps({
        "modules": [m.__file__ for m in (models, portal, views, workflows)],
        "distribution": str(importlib.metadata.distribution("portal-crm").locate_file("")),
        "path": sys.path,
        "data": [str(CONFIG_PATH), str(CONFIG_DIR / "roles.yaml"), portal.STATIC_DIR],
        "lists": len(load_classifiers_config()),
        "login": login.text,
        "css": [css.status_int, len(css.body)],
    }))
""")


def test_portal_initdb_works_from_the_installed_wheel(scratch_python, tmp_path):
    python, target = scratch_python
    (tmp_path / "portal.ini").write_text(INI)
    portal_command = target / "bin" / "portal"
    assert portal_command.exists()
    # The console script the wheel installs, run by the scratch python, from a folder that is
    # not the checkout.
    result = run([python, portal_command, "initdb", "portal.ini"], cwd=tmp_path, env=clean_env())
    assert "database ready" in result.stdout

    with closing(sqlite3.connect(tmp_path / "portal.sqlite")) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        roles = {r[0] for r in db.execute("SELECT name FROM roles")}
        lists = db.execute("SELECT count(*) FROM classifiers").fetchone()[0]
        heads = {r[0] for r in db.execute("SELECT version_num FROM alembic_version")}
    assert {"users", "roles", "organizations", "events", "tasks", "kb_articles",
            "search_documents", "search_fts"} <= tables
    default_roles = yaml.safe_load((ROOT / "config" / "roles.yaml").read_text(encoding="utf-8"))
    assert roles == set(default_roles["roles"])
    assert lists > 0
    revisions = {p.name.split("_")[1] for p in (ROOT / "models" / "alembic" / "versions").glob("*.py")}
    assert heads and heads <= revisions

    check = json.loads(run([python, "-c", CHECK], cwd=tmp_path, env=clean_env()).stdout)
    installed = str(target.resolve())
    for module in check["modules"]:
        assert Path(module).resolve().is_relative_to(installed), module
    assert Path(check["distribution"]).resolve().is_relative_to(installed)
    assert not [p for p in check["path"] if p and Path(p).resolve() == ROOT]
    # config/ and static/ as the code finds them: the wheel's copies, beside its packages.
    for path in check["data"]:
        assert Path(path).resolve().is_relative_to(installed) and Path(path).exists(), path
    assert check["lists"] > 0
    assert "Войти" in check["login"]  # the Russian catalog, compiled into the wheel
    assert check["css"][0] == 200 and check["css"][1] > 0
