"""Access to HDF5 files: opening them, resolving paths, writing, lazy arrays.

``io`` opens files with one-line errors and decodes small values,
``resolve`` resolves path expressions under the link policy, ``write``
writes a planned file atomically, and ``lazy`` builds the dask arrays on the
on-disk chunks (the only module that does).
"""
