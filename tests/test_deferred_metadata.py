"""original_metadata is read from the file on first use, and behaves as a read-write mapping."""

from __future__ import annotations

import copy
import json
import os
import pickle
from collections.abc import Mapping

import numpy as np
import pytest
from conftest import entry, write_nxdata

import mapper


@pytest.fixture
def path(nexus):
    def build(f):
        e = entry(f, title="t")
        e["instrument/energy"] = 12.0
        e["instrument/energy"].attrs["units"] = "keV"
        write_nxdata(e.create_group("d"), np.zeros(3))

    return nexus(build)


def test_not_read_at_load_and_read_on_first_use(path):
    (s,) = mapper.load(path)
    om = s["original_metadata"]
    assert isinstance(om, Mapping) and not om.is_loaded
    assert om["instrument"]["energy"] == {"value": 12.0, "attrs": {"units": "keV"}}
    assert om.is_loaded


def _text(tree):
    return json.dumps(tree, default=repr, sort_keys=True)


def test_behaves_as_a_dict(path):
    def make():
        return mapper.load(path)[0]["original_metadata"]

    expected = _text(dict(make()))
    assert json.loads(expected)["title"]["value"] == "t"
    assert _text(make().to_dict()) == expected
    with pytest.raises(TypeError):  # loud, never a silent '{}'
        json.dumps(make())
    assert _text(copy.deepcopy(make())) == expected
    assert _text(copy.copy(make())) == expected
    assert _text(pickle.loads(pickle.dumps(make()))) == expected
    assert _text({**make()}) == expected
    assert sorted(make()) == sorted(json.loads(expected))
    assert len(make()) == len(json.loads(expected))
    assert "instrument" in make()


def test_changed_file_is_refused(path):
    (s,) = mapper.load(path)
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
    with pytest.raises(mapper.MapperError, match="changed since it was loaded"):
        len(s["original_metadata"])


def test_deleted_file_is_refused(path):
    (s,) = mapper.load(path)
    os.remove(path)
    with pytest.raises(mapper.MapperError, match="file is gone"):
        list(s["original_metadata"].keys())


def test_defer_metadata_false_gives_a_plain_dict(path):
    (s,) = mapper.load(path, defer_metadata=False)
    om = s["original_metadata"]
    assert type(om) is dict
    os.remove(path)  # no longer needed
    assert om["title"]["value"] == "t"
    assert json.dumps(om["instrument"]) == '{"energy": {"value": 12.0, "attrs": {"units": "keV"}}}'
