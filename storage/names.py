"""Names as people read them: control and format characters (bidi overrides such as U+202E, zero-width
spaces and joiners, the BOM) are stripped before a name is matched or stored, so an invisible character
can neither make a second, spoofed customer nor turn a name around on screen.

`clean_name()` is applied by `storage.notes.name_key()` (matching) and, through SQLAlchemy mapper
events, to every name column of every row written (storing), whoever sets it: a note, the intake API,
an import, an invite's display name, the command line.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import event

# Cc: C0/C1 controls; Cf: format characters, among them every bidi control (U+061C, U+200E/F,
# U+202A-202E, U+2066-2069), zero-width spaces and joiners and U+FEFF; Zl/Zp: line/paragraph separators.
STRIPPED = {"Cc", "Cf", "Zl", "Zp"}


def clean_name(text: str | None) -> str:
    """The name without control and bidi characters (a control that separated words becomes a space)."""
    if not text:
        return text or ""
    if text.isprintable() and text.isascii():
        return text
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in STRIPPED:
            if ch in "\t\n\r\x0b\x0c\x85\u2028\u2029":
                out.append(" ")
            continue
        out.append(ch)
    return " ".join("".join(out).split()) if len(out) != len(text) else text


def clean_columns(base, fields: dict[str, tuple[str, ...]]) -> None:
    """Every row written of the tables named in `fields` (table name -> text columns), among the mapped
    subclasses of `base`, has those columns cleaned first."""
    def clean(mapper, connection, target):
        for name in fields.get(mapper.local_table.name, ()):
            value = getattr(target, name, None)
            if isinstance(value, str):
                cleaned = clean_name(value)
                if cleaned != value:
                    setattr(target, name, cleaned)
    for when in ("before_insert", "before_update"):
        event.listen(base, when, clean, propagate=True)
