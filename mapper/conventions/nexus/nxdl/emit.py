"""A mapping dict as YAML text: deterministic, readable, loadable by any YAML 1.1 reader.

Hand-written rather than ``yaml.safe_dump`` so that the text does not
depend on the PyYAML version or on libyaml, and so that small entries stay
on one line: a mapping or list whose flow form (``{class: NXentry}``) fits
in :data:`WIDTH` columns is written in flow style, anything larger in block
style; multi-line strings are literal blocks (``|``). A string is written
plain only when YAML reads it back as the same string (``"1.0"``, ``yes``,
``{entry}/title`` are quoted).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

__all__ = ["WIDTH", "emit"]

#: The width the emitter aims at (longer single scalars stay on their line).
WIDTH = 100
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .+\-/()'=<>~^|!?;%&$]*")
#: first character -> [(tag, regexp)]: the plain scalars YAML reads as something else
_IMPLICIT: dict[Any, Any] = yaml.SafeLoader.yaml_implicit_resolvers


def _string(s: str) -> str:
    """A string scalar: plain when that reads back as the same string, else double-quoted."""
    if (
        _PLAIN.fullmatch(s)
        and s == s.strip()
        and "  " not in s
        and not any(r.match(s) for _, r in _IMPLICIT.get(s[:1], ()))
    ):
        return s
    return json.dumps(s, ensure_ascii=False)


def _float(x: float) -> str:
    """A float YAML 1.1 reads back as a float (``1.0e-05``, not ``1e-05``)."""
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    text = repr(x)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return _string(v)
    raise TypeError(f"cannot emit {type(v).__name__}")  # pragma: no cover - a bug of ours


def _flow(v: Any) -> str:
    """The flow form of a value (``{a: 1, b: [x, y]}``)."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def _multiline(v: Any) -> bool:
    return isinstance(v, str) and "\n" in v.rstrip("\n")


def _block(key: str, v: Any, indent: int, out: list[str], flow: bool) -> None:
    """``key: value`` at ``indent`` spaces, in flow style when it fits and is allowed."""
    pad = " " * indent
    if _multiline(v) or (isinstance(v, str) and v.endswith("\n")):
        out.append(f"{pad}{key}: |")
        out.extend(f"{pad}  {line}" if line else "" for line in v.rstrip("\n").split("\n"))
        return
    if not isinstance(v, (dict, list)) or not v:
        out.append(f"{pad}{key}: {_flow(v)}")
        return
    text = f"{pad}{key}: {_flow(v)}"
    if flow and len(text) <= WIDTH:
        out.append(text)
        return
    out.append(f"{pad}{key}:")
    if isinstance(v, dict):
        for k, x in v.items():
            _block(_scalar(k), x, indent + 2, out, True)
        return
    for x in v:
        line = f"{pad}  - {_flow(x)}"
        if isinstance(x, dict) and len(line) > WIDTH:
            inner: list[str] = []
            for k, y in x.items():
                _block(_scalar(k), y, indent + 4, inner, True)
            inner[0] = f"{pad}  - " + inner[0].lstrip()
            out.extend(inner)
        else:
            out.append(line)


def emit(mapping: dict[str, Any], header: list[str] | None = None) -> str:
    """The YAML text of ``mapping``, after ``header`` comment lines (``# `` added).

    Top-level mappings (``anchors``, ``signal``, ``layout``) are always in block
    style; below them, anything that fits on a line is in flow style.
    """
    out = [f"# {line}".rstrip() for line in header or ()]
    for key, value in mapping.items():
        _block(_scalar(key), value, 0, out, not isinstance(value, dict) or key == "match")
    return "\n".join(out) + "\n"
