"""The generic engine, which knows no file format: it interprets a mapping.

``read`` (mapping x file -> signal dicts), ``write`` (signal dicts -> a new
file), ``validate`` (findings in a ``report``), ``constraints`` (the checks
of one value), ``session`` (an open file and mapping detection), ``convert``,
``context`` (what built-ins are given), ``axes``, ``tree`` and ``units``.
Formats come in through the mapping and :mod:`mapper.registry`.
"""
