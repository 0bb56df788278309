"""NXDL documentation as short, one-line text for titles and layout ``doc``.

NXDL docs are reStructuredText: roles (``:ref:`NXxbase```, ``:index:`four-circle
diffractometer```) lose their markup and keep their text, directives
(``.. index::``) are dropped,
double back-quotes become single ones, white space collapses. A layout
entry's ``doc`` is the first sentence when it has at most
:data:`DOC_LIMIT` characters and does not end with a colon, else nothing
(the generated files stay small).
"""

from __future__ import annotations

import re

__all__ = ["DOC_LIMIT", "first_paragraph", "first_sentence", "plain", "short_doc"]

#: The longest first sentence kept as a layout entry's doc.
DOC_LIMIT = 120

_ROLE = re.compile(r":[a-z]+:`(?:[^`<]*<)?([^`>]*)>?`")
_DIRECTIVE = re.compile(r"^\s*\.\. .*$", re.MULTILINE)
_END = re.compile(r"[.!?](?=\s|$)")
#: words whose full stop ends no sentence
_ABBREVIATIONS = ("e.g", "i.e", "a.k.a", "etc", "vs", "cf", "approx", "al", "Fig", "No", "Eq")


def plain(text: str) -> str:
    """A doc as one line.

    Roles are unwrapped (their text is what the manual shows), ``**x**`` becomes ``x`` and
    ````x```` becomes ```x```; white space collapses.
    """
    text = _ROLE.sub(r"\1", text).replace("``", "`").replace("**", "")
    return " ".join(text.split())


def first_sentence(text: str) -> str:
    """The first sentence of a doc (up to the first full stop), as one line."""
    para = first_paragraph(text)
    for m in _END.finditer(para):
        word = para[: m.start()].rsplit(" ", 1)[-1].lstrip("(")
        if word and not word.endswith(_ABBREVIATIONS) and not word[-1].isdigit():
            return para[: m.end()]
    return para


def first_paragraph(text: str) -> str:
    """The first paragraph of a doc that is text (not an RST directive), as one line."""
    for block in re.split(r"\n\s*\n", _DIRECTIVE.sub("", text).strip()):
        line = plain(block)
        if line:
            return line
    return ""


def short_doc(text: str) -> str:
    """The doc of a layout entry: a short first sentence, or an empty string."""
    s = first_sentence(text)
    return s if len(s) <= DOC_LIMIT and not s.endswith(":") else ""
