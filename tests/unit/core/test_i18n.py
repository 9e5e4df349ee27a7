"""Every message of the portal is in the Russian and English catalogs, and translated in Russian."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]


def extracted(tmp_path) -> set[str]:
    pot = tmp_path / "portal.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_",
         "-k", "gettext", "-k", "ngettext:1,2", "--no-location", "-o", str(pot),
         "portal", "models", "views", "workflows"],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def catalog(lang: str):
    with open(ROOT / "portal" / "locale" / lang / "LC_MESSAGES" / "portal.po", "rb") as f:
        return read_po(f)


def test_russian_catalog_is_complete(tmp_path):
    messages = extracted(tmp_path)
    ru = catalog("ru")
    missing = sorted(m for m in messages if m not in ru)
    untranslated = sorted(m.id for m in ru if m.id and m.id in messages and not m.string)
    fuzzy = sorted(m.id for m in ru if m.id and m.fuzzy)
    assert not missing, f"run `make i18n-update`; not in the Russian catalog: {missing[:20]}"
    assert not untranslated, f"not translated into Russian: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:20]}"


def test_english_catalog_has_every_message(tmp_path):
    messages = extracted(tmp_path)
    en = catalog("en")
    assert not sorted(m for m in messages if m not in en)


def test_role_titles_of_roles_yaml_are_translatable():
    import yaml

    roles = yaml.safe_load((ROOT / "config" / "roles.yaml").read_text(encoding="utf-8"))["roles"]
    ru = catalog("ru")
    for spec in roles.values():
        assert ru.get(spec["title"]) is not None and ru.get(spec["title"]).string, spec["title"]
