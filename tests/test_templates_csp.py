"""The Content-Security-Policy allows scripts from the app's own files only, so an inline
event handler in a template would silently do nothing (a catalogue filter did exactly that)."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_inline_scripts_or_event_handlers_in_templates():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for m in re.finditer(r"<[^>]*\son[a-z]+\s*=|<script(?![^>]*\bsrc=)[^>]*>", text):
            found.append(f"{path.relative_to(TEMPLATES)}: {m.group(0)[:60]}")
    assert not found, found
