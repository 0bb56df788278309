"""The generic engine, which knows no file format: it interprets a mapping.

``read`` (mapping x file -> signal dicts), ``write`` with ``write_signal`` and
``write_paths`` (signal dicts -> a new file), ``validate`` with ``rules``
(findings in a ``report``), ``constraints`` (the checks
of one value), ``session`` (an open file and mapping detection), ``convert``,
``context`` (what built-ins are given), ``bind``, ``axes`` and ``tree``.
Formats come in through the mapping and :mod:`mapper.registry`.
"""
