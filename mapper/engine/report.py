"""Validation results: :class:`Finding`, :class:`Report`, and their text, JSON and JUnit forms."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Severities, most severe first.
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One problem (or remark) about one object of a data file.

    Attributes
    ----------
    severity
        ``error``, ``warning`` or ``info``.
    rule
        Stable rule id (``required``, ``shape``, ``units``, ... or the id a
        mapping gives with ``rule:``).
    path
        HDF5 path of the object in the data file (``/entry/sample/name``,
        ``/entry/data/@signal``).
    message
        One line for humans.
    mapping
        ``file:line`` of the mapping rule that asked for the check.
    expected, found
        What the rule wants and what the file holds (JSON-friendly), when
        that can be said.
    """

    severity: str
    rule: str
    path: str
    message: str
    mapping: str = ""
    expected: Any = None
    found: Any = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the keys of the ``--json`` report)."""
        return {
            "severity": self.severity,
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
            "mapping": self.mapping,
            "expected": _jsonable(self.expected),
            "found": _jsonable(self.found),
        }

    def __str__(self) -> str:
        where = f"{self.mapping} " if self.mapping else ""
        return f"{where}[{self.rule}] {self.severity}: {self.path}: {self.message}"


@dataclass
class Report:
    """The result of validating one file.

    Attributes
    ----------
    file
        The data file, as given.
    schema
        Name of the mapping it was checked against (None when none applied).
    findings
        Every finding, in the order the mapping states its rules.
    error
        Set when the file could not be checked at all (unreadable, no
        mapping matches); then ``ok`` is False and ``checked`` is False.
    """

    file: str
    schema: str | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def checked(self) -> bool:
        """True when the file could be checked (it may still be invalid)."""
        return self.error is None

    @property
    def ok(self) -> bool:
        """True when the file was checked and has no error-severity finding."""
        return self.error is None and not any(f.severity == "error" for f in self.findings)

    def passes(self, strict: bool = False) -> bool:
        """``ok``, and with ``strict`` also no warning."""
        bad = ("error", "warning") if strict else ("error",)
        return self.error is None and not any(f.severity in bad for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        """The error-severity findings."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """The warning-severity findings."""
        return [f for f in self.findings if f.severity == "warning"]

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def to_dict(self, strict: bool = False) -> dict[str, Any]:
        """The per-file object of the JSON report."""
        out: dict[str, Any] = {
            "file": self.file,
            "schema": self.schema,
            "ok": self.passes(strict),
            "checked": self.checked,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.error is not None:
            out["error"] = self.error
        return out

    def summary_line(self, strict: bool = False) -> str:
        """``file: valid (schema tomo)``, ``file: INVALID (2 errors, 1 warning)``, ..."""
        if self.error is not None:
            return f"{self.file}: NOT CHECKED: {self.error}"
        c = self.counts()
        parts = [f"{c[s]} {s}{'s' if c[s] != 1 else ''}" for s in SEVERITIES if c[s]]
        state = "valid" if self.passes(strict) else "INVALID"
        detail = f" ({', '.join(parts)})" if parts else ""
        return f"{self.file}: {state} against {self.schema}{detail}"

    def __str__(self) -> str:
        return "\n".join([self.summary_line()] + [f"  {f}" for f in self.findings])


def summary(reports: Iterable[Report], strict: bool = False) -> dict[str, Any]:
    """Counts over many reports: files valid / invalid / not checked, findings per rule."""
    reports = list(reports)
    rules: Counter[str] = Counter()
    severities: Counter[str] = Counter()
    for r in reports:
        rules.update(f.rule for f in r.findings)
        severities.update(f.severity for f in r.findings)
    return {
        "files": len(reports),
        "valid": sum(r.passes(strict) for r in reports),
        "invalid": sum(r.checked and not r.passes(strict) for r in reports),
        "not_checked": sum(not r.checked for r in reports),
        "findings": {s: severities.get(s, 0) for s in SEVERITIES},
        "rules": dict(sorted(rules.items())),
    }


def exit_code(reports: Iterable[Report], strict: bool = False) -> int:
    """The CLI contract: 2 if any file could not be checked, else 1 if any is invalid, else 0."""
    reports = list(reports)
    if any(not r.checked for r in reports):
        return 2
    return 0 if all(r.passes(strict) for r in reports) else 1


def junit_xml(
    reports: Iterable[Report], strict: bool = False, name: str = "mapper validate"
) -> str:
    """A JUnit XML document: one test case per file, failures carry the findings."""
    from xml.etree import ElementTree as ET

    reports = list(reports)
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(reports)),
        failures=str(sum(r.checked and not r.passes(strict) for r in reports)),
        errors=str(sum(not r.checked for r in reports)),
        skipped="0",
    )
    for r in reports:
        case = ET.SubElement(
            suite, "testcase", classname=f"validate.{r.schema or 'unknown'}", name=r.file
        )
        if not r.checked:
            ET.SubElement(case, "error", message=r.error or "", type="not_checked").text = r.error
            continue
        bad = [
            f for f in r.findings if f.severity == "error" or (strict and f.severity == "warning")
        ]
        if bad:
            fail = ET.SubElement(
                case,
                "failure",
                type="invalid",
                message=f"{len(bad)} finding(s): {bad[0].rule}: {bad[0].message}",
            )
            fail.text = "\n".join(str(f) for f in bad)
        rest = [f for f in r.findings if f not in bad]
        if rest:
            ET.SubElement(case, "system-out").text = "\n".join(str(f) for f in rest)
    for element in suite.iter():
        element.text = _xml_safe(element.text)
        for key, val in element.attrib.items():
            element.attrib[key] = _xml_safe(val) or ""
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str | None) -> str | None:
    r"""Characters XML 1.0 cannot hold (control characters from a file) shown as ``\xNN``."""
    if text is None:
        return None
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def short_loc(loc: str) -> str:
    """A mapping location for reports: ``/abs/dir/tomo.yaml:14:5`` -> ``tomo.yaml:14``."""
    parts = loc.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return f"{parts[0].replace(chr(92), '/').rsplit('/', 1)[-1]}:{parts[1]}"
    return loc


def _jsonable(value: Any) -> Any:
    """Numbers, strings, lists and None as they are; numpy values and tuples converted.

    NaN becomes None and infinities the strings ``"Infinity"`` / ``"-Infinity"``:
    the report must stay strict JSON whatever the file holds.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "size", 2) == 1:
        return _jsonable(item())
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return _jsonable(tolist())
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
