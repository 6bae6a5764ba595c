"""Every interface string has a Vietnamese translation, and the catalogue is compiled."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(po_text: str) -> dict[str, str]:
    """msgid → msgstr (first form for plurals) of a .po file, without header, fuzzy and obsolete entries."""
    entries = {}
    for block in po_text.split("\n\n"):
        if "#, fuzzy" in block or block.lstrip().startswith("#~"):
            # gettext does not compile fuzzy or obsolete entries: they count as untranslated.
            continue
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        text = "\n".join(lines)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', text, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', text, re.M)
        if not msgid or not msgstr:
            continue
        key = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if key:
            entries[key] = "".join(re.findall(r'"(.*)"', msgstr.group(1)))
    return entries


def test_every_vietnamese_entry_is_translated():
    untranslated = [
        key for key, value in _entries(CATALOGUE.read_text("utf-8")).items() if not value
    ]
    assert untranslated == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is installed by make test")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    # Extract into a copy of the sources, so the real catalogue is never rewritten.
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", "node_modules", "var", ".git", "locale", "tests", "bench", "__pycache__"
        ),
    )
    (source / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "-v", "0"],
        cwd=source,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=True,
        timeout=120,
    )
    fresh = _entries((source / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text("utf-8"))
    known = _entries(CATALOGUE.read_text("utf-8"))
    missing = sorted(key for key in fresh if not known.get(key))
    assert missing == [], "run makemessages and translate: " + "; ".join(missing)


def test_compiled_catalogue_is_used():
    with translation.override("vi"):
        assert translation.gettext("Catalogue") == "Danh mục"
    with translation.override("en"):
        assert translation.gettext("Catalogue") == "Catalogue"
