"""Every real file under ../shared/data/nexus loads (signals) or raises a MapperError."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import SHARED, shared_file

import mapper

NEXUS_FILES = sorted((SHARED / "nexus").rglob("*")) if SHARED.exists() else []
NEXUS_FILES = [p for p in NEXUS_FILES if p.is_file()]

pytestmark = pytest.mark.shared_data


@pytest.mark.skipif(not NEXUS_FILES, reason="../shared/data is absent")
@pytest.mark.parametrize("path", NEXUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_nexus_file_loads_or_gives_mapper_error(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)
        try:
            signals = mapper.load(path, lazy=True)
        except mapper.MapperError as exc:
            assert "\n" not in str(exc)
            return
    assert signals
    for s in signals:
        assert len(s["axes"]) == s["data"].ndim
        for ax, n in zip(s["axes"], s["data"].shape, strict=True):
            assert ax["size"] == n and isinstance(ax["navigate"], bool)
        assert isinstance(s["metadata"]["General"]["title"], str)


def test_old_and_current_attribute_styles_give_the_same_signal():
    old = mapper.load(shared_file("nexus/facility/hdf5_writer_1_3.h5"))
    new = mapper.load(shared_file("nexus/facility/hdf5_writer_1_3__niac2014.h5"))
    assert len(old) == len(new) == 1
    a, b = old[0], new[0]
    np.testing.assert_array_equal(a["data"], b["data"])
    assert len(a["axes"]) == len(b["axes"]) == 1
    ax, bx = a["axes"][0], b["axes"][0]
    assert {k: v for k, v in ax.items() if k != "axis"} == {
        k: v for k, v in bx.items() if k != "axis"
    }
    np.testing.assert_array_equal(ax["axis"], bx["axis"])
    assert ax["name"] == "two_theta" and ax["units"] == "degrees" and ax["navigate"] is False
    assert a["metadata"]["General"]["title"] == b["metadata"]["General"]["title"]


def test_hyperspy_written_file_gets_hyperspy_metadata_back():
    (s,) = mapper.load(shared_file("nexus/rsciio/simple_signal.nxs"))
    md = s["metadata"]
    assert md["General"]["title"] == "rocks"
    assert md["XRF"]["beam_energy"] == 12.0
    assert md["Signal"]["record_by"] == "image"
    assert md["General"]["original_filename"] == "simple_signal.nxs"
    om = s["original_metadata"]
    assert om["instrument"]["energy"]["attrs"]["units"] == "keV"
    assert [a["navigate"] for a in s["axes"]] == [True, True, False, False]


def test_multi_signal_file_gives_each_signal_default_first():
    signals = mapper.load(shared_file("nexus/rsciio/saved_multi_signal.nxs"))
    assert [s["data"].shape for s in signals] == [(15, 1, 40, 40), (30, 30, 10)]
    assert [a["name"] for a in signals[1]["axes"]] == ["yaxis", "xaxis", "energy"]
    assert (
        len(mapper.load(shared_file("nexus/rsciio/saved_multi_signal.nxs"), use_default=True)) == 1
    )


def test_nxmx_master_with_dangling_link_loads_lazily():
    path = shared_file("nexus/facility/DLS_i03_i04_NXmx_Therm_6_2.nxs")
    # the detector data is a virtual dataset whose source is an external link to a file
    # that is not shipped: said at load time, not silently read as zeros
    with pytest.warns(mapper.MapperWarning) as record:
        (s,) = mapper.load(path, lazy=True)
    messages = " ".join(str(w.message) for w in record)
    assert "external link to missing file" in messages
    assert (
        "virtual dataset source /entry/data/data_000001 is an external link to a missing file"
    ) in messages
    assert s["axes"][0]["name"] == "omega" and s["axes"][0]["units"] == "deg"
    with pytest.warns(mapper.MapperWarning, match="external link to missing file"):
        assert "data" in s["original_metadata"]


def test_ipns_file_with_two_entries():
    signals = mapper.load(shared_file("nexus/facility/IPNS_LRMECS_lrcs3701.nx5"))
    assert len(signals) == 2


def test_stxm_definition_as_one_element_array_loads():
    (s,) = mapper.load(shared_file("nexus/facility/SLS_Sample_Image_2021-03-16_095.hdf5"))
    assert s["data"].ndim == 2
    assert [a["units"] for a in s["axes"]] == ["\u03bcm", "\u03bcm"]
    # some metadata units are Latin-1 ("\xb5m"): kept as bytes, with a warning, when read
    with pytest.warns(mapper.MapperWarning, match="invalid UTF-8"):
        assert len(s["original_metadata"]) > 0
