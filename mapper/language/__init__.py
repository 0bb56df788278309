"""The mapping language: YAML -> checked document -> frozen model.

``yaml_loader`` reads YAML safely with the line and column of every node,
``find`` locates mappings (shipped, search path, entry points), ``schema``
applies ``extends`` and the JSON Schema, ``check`` the meaning checks,
``build`` makes the frozen :mod:`model`, and ``paths`` is the path grammar
with the one ``{name}`` template expansion.
"""
