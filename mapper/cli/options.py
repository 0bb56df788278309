"""``--option KEY=VALUE`` pairs, typed by the options a mapping declares."""

from __future__ import annotations

from typing import Any

from mapper.errors import MapperError


def parse_options(pairs: list[str], mapping: Any) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs by the types the mapping declares for its options."""
    types = {o.name: o.type for o in mapping.options}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise MapperError(f"--option {pair!r}: expected KEY=VALUE")
        kind = types.get(key)
        value: Any = raw
        if kind == "boolean":
            low = raw.strip().lower()
            if low not in ("true", "false", "yes", "no", "1", "0"):
                raise MapperError(f"--option {key}={raw}: expected true or false")
            value = low in ("true", "yes", "1")
        elif kind in ("integer", "number"):
            try:
                value = int(raw) if kind == "integer" else float(raw)
            except ValueError:
                raise MapperError(f"--option {key}={raw}: expected a {kind}") from None
        if kind == "string_list":
            value = [*out.get(key, []), raw]
        elif key in out:
            raise MapperError(f"--option {key} given twice")
        out[key] = value
    return out
