"""mapper.save with the hspy mapping: RosettaSciIO reads what it writes and vice versa.

Also where the mapper's codec is deliberately better than RosettaSciIO's (list
order, mixed lists, dates, ``"_None_"``, bytes, non-ASCII string arrays), that
unstorable values are reported before anything is written, a property-based
round trip of arbitrary metadata, and the save options (chunks, filters, dask
chunks, progress bar, ``write_dataset=False``, experiment names). The generic
round trip (eager and lazy, lists, dask streaming, validation, ``overwrite``,
atomic writes) is ``TestHSpyRoundTrip`` in test_roundtrip.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hspy_compare import assert_same, axes_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mapper
from mapper.errors import OptionError, WriteError

rsciio_hspy = pytest.importorskip("rsciio.hspy")
da = pytest.importorskip("dask.array")


# ---------------------------------------------------------------------------- comparison
def test_comparison_helper_tells_types_apart():
    assert_same({"a": [np.int64(1), (2.5, b"x")]}, {"a": [1, (np.float64(2.5), b"x")]})
    for a, b in [
        (1, True),
        (1, 1.0),
        ([1], (1,)),
        (b"a", "a"),
        ("1", 1),
        (None, ""),
        (np.arange(2), [0, 1]),
        (np.arange(2.0), np.arange(2)),
        (dt.date(2020, 1, 1), "2020-01-01"),
        ({"a": 1}, {"a": 1, "b": 2}),
        ([1, 2], [2, 1]),
        (np.array(["a"]), np.array([b"a"])),
        (float("nan"), 0.0),
        (dt.time(1, tzinfo=dt.timezone.utc), dt.time(1)),
    ]:
        with pytest.raises(AssertionError):
            assert_same(a, b)


# ---------------------------------------------------------------------------- helpers
def make_signal(
    data: Any = None,
    title: str = "sig",
    metadata: dict[str, Any] | None = None,
    original_metadata: dict[str, Any] | None = None,
    navigate: list[bool] | None = None,
) -> dict[str, Any]:
    data = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) if data is None else data
    return {
        "data": data,
        "axes": axes_for(tuple(data.shape), navigate),
        "metadata": {"General": {"title": title}, **(metadata or {})},
        "original_metadata": original_metadata or {},
    }


def as_rsciio(signal: dict[str, Any]) -> dict[str, Any]:
    """The dict RosettaSciIO's writer needs (what HyperSpy's ``_to_dictionary`` gives)."""
    return {
        "data": signal["data"],
        "axes": signal["axes"],
        "metadata": signal["metadata"],
        "original_metadata": signal["original_metadata"],
        "learning_results": {},
        "attributes": {"_lazy": False},
        "models": {},
        "package_info": {"package": "", "package_version": ""},
        "tmp_parameters": {},
    }


def rsciio_write(path: Path, signal: dict[str, Any], **kw: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rsciio_hspy.file_writer(str(path), as_rsciio(signal), show_progressbar=False, **kw)


def rsciio_read(path: Path) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rsciio_hspy.file_reader(str(path))


def load_one(path: Path, **kw: Any) -> dict[str, Any]:
    (s,) = mapper.load(path, defer_metadata=False, **kw)
    return s


@contextlib.contextmanager
def data_ds(path: Path, name: str = "sig") -> Iterator[h5py.Dataset]:
    """The signal's data set in an HSpy file, open for the ``with`` block."""
    with h5py.File(path, "r") as f:
        yield f[f"/Experiments/{name}/data"]


def chunk_offsets(path: Path, name: str = "sig") -> list[int]:
    with h5py.File(path, "r") as f:
        ds = f[f"/Experiments/{name}/data"]
        return [ds.id.get_chunk_info(i).byte_offset for i in range(ds.id.get_num_chunks())]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


#: Metadata every peer can represent: the common HyperSpy values.
PLAIN_METADATA = {
    "Signal": {"signal_type": "EELS", "quantity": "Intensity (counts)"},
    "Acquisition_instrument": {
        "TEM": {"beam_energy": 200.0, "magnification": 50000, "probe_area": None, "tilted": True}
    },
    "Sample": {"elements": ["Fe", "O"], "thickness": 12.5},
    "lists": {
        "ints": [1, 2, 3],
        "floats": (0.5, 1.5),
        "bools": [True, False],
        "empty": [],
        "empty_tuple": (),
        "nested": [[1, 2], [3]],
        "dicts": [{"a": 1}, {"b": "two"}],
    },
    "arrays": {
        "f": np.linspace(0, 1, 5),
        "i": np.arange(6, dtype=np.int16).reshape(2, 3),
        "s": np.array(["ab", "c"]),
        "b": np.array([True, False]),
    },
    "blob": b"\x00\x01binary",
    "Ünïcode key": "välue ✓",
}
PLAIN_ORIGINAL = {
    "header": {"ImageList": {"1": {"dims": [4, 3]}}, "Version": 3},
    "note": "",
    "n": -7,
}


# ---------------------------------------------------------------------------- (a) interop
def test_rsciio_written_signal_reads_identically_with_mapper(tmp_path):
    path = tmp_path / "rs.hspy"
    signal = make_signal(metadata=PLAIN_METADATA, original_metadata=PLAIN_ORIGINAL)
    rsciio_write(path, signal)
    ours = load_one(path)
    (theirs,) = rsciio_read(path)
    assert_same(ours["data"], signal["data"], "data")
    assert_same(ours["axes"], signal["axes"], "axes")
    assert_same(ours["axes"], theirs["axes"], "axes")
    for key in ("metadata", "original_metadata"):
        assert_same(ours[key], signal[key], key)
        assert_same(ours[key], theirs[key], key)
    assert_same(ours["attributes"], theirs["attributes"], "attributes")


def test_mapper_written_signal_reads_identically_with_rsciio(tmp_path):
    path = tmp_path / "m.hspy"
    signal = make_signal(metadata=PLAIN_METADATA, original_metadata=PLAIN_ORIGINAL)
    mapper.save(path, signal)
    (theirs,) = rsciio_read(path)
    assert_same(theirs["data"], signal["data"], "data")
    assert_same(theirs["axes"], signal["axes"], "axes")
    for key in ("metadata", "original_metadata"):
        assert_same(theirs[key], signal[key], key)
    ours = load_one(path)
    for key in ("data", "axes", "metadata", "original_metadata", "attributes"):
        assert_same(ours[key], theirs[key], key)
    with h5py.File(path, "r") as f:
        assert f.attrs["file_format"] == "HyperSpy"
        assert f.attrs["file_format_version"] == "3.3"


def test_mapper_written_lazy_signal_reads_with_rsciio(tmp_path):
    src = tmp_path / "src.hspy"
    mapper.save(src, make_signal(np.arange(60.0).reshape(3, 4, 5)))
    lazy = load_one(src, lazy=True)
    out = tmp_path / "out.hspy"
    mapper.save(out, lazy)  # the dask array streams from one file into the other
    (theirs,) = rsciio_read(out)
    np.testing.assert_array_equal(theirs["data"], np.arange(60.0).reshape(3, 4, 5))
    assert theirs["attributes"]["_lazy"] is False  # as written to disk, a plain signal


# ---------------------------------------------------------------------------- (b) better
def test_long_group_list_keeps_its_order_where_rsciio_reorders(tmp_path):
    items = [{"index": i} for i in range(25)]
    mixed = [i if i % 2 else str(i) for i in range(25)]
    path = tmp_path / "long.hspy"
    mapper.save(path, make_signal(metadata={"items": items, "mixed": mixed}))
    md = load_one(path)["metadata"]
    assert_same(md["items"], items)
    assert_same(md["mixed"], mixed)
    (theirs,) = rsciio_read(path)
    by_text = sorted(range(25), key=str)  # RosettaSciIO sorts the item names as text
    assert [d["index"] for d in theirs["metadata"]["items"]] == by_text != list(range(25))
    assert theirs["metadata"]["mixed"] == [mixed[i] for i in by_text]


def test_rsciio_written_long_list_reads_in_order_with_mapper(tmp_path):
    items = [{"index": i} for i in range(25)]
    path = tmp_path / "rs.hspy"
    rsciio_write(path, make_signal(metadata={"items": items}))
    assert [d["index"] for d in load_one(path)["metadata"]["items"]] == list(range(25))


def test_mixed_type_list_keeps_item_types_where_rsciio_casts(tmp_path):
    mixed = [1, "a", 2.5, True, None]
    ours_path, rs_path = tmp_path / "m.hspy", tmp_path / "rs.hspy"
    mapper.save(ours_path, make_signal(metadata={"mixed": mixed, "num": [1, 2.5]}))
    assert_same(load_one(ours_path)["metadata"]["mixed"], mixed)
    assert_same(load_one(ours_path)["metadata"]["num"], [1, 2.5])
    rsciio_write(rs_path, make_signal(metadata={"num": [1, 2.5], "strs": [1, "a"]}))
    (theirs,) = rsciio_read(rs_path)
    assert theirs["metadata"]["num"] == [1.0, 2.5] and isinstance(
        theirs["metadata"]["num"][0], float
    )  # cast to one type on writing
    assert theirs["metadata"]["strs"] == ["1", "a"]


def test_dates_round_trip_with_mapper_and_are_iso_strings_for_rsciio(tmp_path):
    when = {
        "datetime": dt.datetime(2024, 5, 6, 7, 8, 9, 123456),
        "aware": dt.datetime(2024, 5, 6, 7, 8, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        "date": dt.date(1991, 10, 1),
        "time": dt.time(12, 30, 15),
        "in_list": [dt.date(2000, 1, 1), dt.time(1, 2)],
    }
    path = tmp_path / "dates.hspy"
    mapper.save(
        path,
        make_signal(
            metadata={
                "General": {"title": "sig", "date": when["date"], "time": when["time"]},
                "when": when,
            }
        ),
    )
    md = load_one(path)["metadata"]
    assert_same(md["when"], when)
    assert_same(md["General"]["date"], dt.date(1991, 10, 1))
    (theirs,) = rsciio_read(path)
    assert_same(
        theirs["metadata"]["when"],
        {
            "datetime": "2024-05-06T07:08:09.123456",
            "aware": "2024-05-06T07:08:00-05:00",
            "date": "1991-10-01",
            "time": "12:30:15",
            "in_list": ["2000-01-01", "01:02:00"],
        },
    )
    assert theirs["metadata"]["General"]["date"] == "1991-10-01"


def test_none_string_bytes_and_unicode_arrays_stay_what_they_were(tmp_path):
    values = {
        "none_text": "_None_",
        "none": None,
        "empty_bytes": b"",
        "text_bytes": b"abc",
        "bytes_list": [b"", b"x"],
        "unicode": np.array(["é", "ßx", "✓"]),
    }
    path = tmp_path / "v.hspy"
    mapper.save(path, make_signal(metadata={"v": values}))
    assert_same(load_one(path)["metadata"]["v"], values)
    theirs = rsciio_read(path)[0]["metadata"]["v"]
    assert theirs["none_text"] is None  # RosettaSciIO loses the literal string
    assert theirs["empty_bytes"] == ""  # and the empty bytes
    assert theirs["text_bytes"] == b"abc"
    assert theirs["unicode"].dtype.kind == "S"  # and reads UTF-8 arrays as bytes


class _Thing:
    pass


@pytest.mark.parametrize(
    "where, value, label",
    [
        ("metadata", {"General": {"title": "sig", "s": {1, 2}}}, "metadata.General.s"),
        (
            "metadata",
            {"General": {"title": "sig"}, "Deep": {"keys": {3: "x"}}},
            "metadata.Deep.keys",
        ),
        ("metadata", {"General": {"title": "sig"}, "obj": [1, _Thing()]}, "metadata.obj.1"),
        ("metadata", {"General": {"title": "sig"}, "Big": {"n": 2**70}}, "metadata.Big.n"),
        ("original_metadata", {"a": {"b": {frozenset()}}}, "original_metadata.a.b"),
    ],
    ids=["set", "non-str key", "object", "int beyond 64 bits", "original_metadata"],
)
def test_unstorable_value_is_reported_and_nothing_written(tmp_path, where, value, label):
    signal = make_signal()
    signal[where] = value
    path = tmp_path / "bad.hspy"
    with pytest.raises(WriteError) as info:
        mapper.save(path, signal)
    message = str(info.value)
    assert "\n" not in message
    assert label in message
    assert leftovers(tmp_path) == []  # no file, no temporary file


def test_every_problem_is_listed_with_its_signal(tmp_path):
    good, bad = make_signal(title="a"), make_signal(title="b")
    bad["metadata"]["x"] = {"s": {1}, "o": _Thing(), "n": -(2**70)}
    with pytest.raises(WriteError) as info:
        mapper.save(tmp_path / "two.hspy", [good, bad])
    message = str(info.value)
    for label in ("metadata.x.s", "metadata.x.o", "metadata.x.n"):
        assert label in message
    assert "signal 1" in message and "signal 0" not in message
    assert leftovers(tmp_path) == []


def test_string_with_nul_is_reported_with_its_path(tmp_path):
    with pytest.raises(WriteError, match=r"metadata\.x\.s"):
        mapper.save(tmp_path / "nul.hspy", make_signal(metadata={"x": {"s": "a\x00b"}}))
    assert leftovers(tmp_path) == []


def test_datetime64_array_is_reported_with_its_path(tmp_path):
    values = np.array(["2020-01-01"], dtype="datetime64[D]")
    with pytest.raises(WriteError, match=r"metadata\.x\.t"):
        mapper.save(tmp_path / "d64.hspy", make_signal(metadata={"x": {"t": values}}))
    assert leftovers(tmp_path) == []


def test_numpy_str_scalar_is_saved_as_a_string(tmp_path):
    path = tmp_path / "npstr.hspy"
    mapper.save(
        path, make_signal(metadata={"x": {"s": np.str_("abc"), "l": [np.str_("a"), np.str_("b")]}})
    )
    assert_same(load_one(path)["metadata"]["x"], {"s": "abc", "l": ["a", "b"]})


@pytest.mark.parametrize(
    "tree",
    [
        {"_bs_a": "text"},
        {"_sig_a": 1},
        {"_list_x": {"a": 1}},
        {"_list_empty_a": "q"},
        {"_tuple_2_t": {"0": 1}},
        {"_ragged_shapes_x": np.arange(3)},
    ],
    ids=["_bs_", "_sig_", "_list_", "_list_empty_", "_tuple_", "_ragged_shapes_"],
)
def test_reserved_prefix_keys_are_reported(tmp_path, tree):
    """These keys would read back as another value (bytes, a list, nothing): refused."""
    with pytest.raises(WriteError) as info:
        mapper.save(tmp_path / "reserved.hspy", make_signal(metadata={"x": tree}))
    assert f"metadata.x.{next(iter(tree))}" in str(info.value)
    assert leftovers(tmp_path) == []


def test_signal_in_metadata_round_trips(tmp_path):
    """``_sig_<name>`` holding a signal dict is the one legitimate use of a reserved prefix."""
    inner = make_signal(np.arange(4.0), title="variance")
    path = tmp_path / "sig.hspy"
    mapper.save(
        path, make_signal(metadata={"Signal": {"Noise_properties": {"_sig_variance": inner}}})
    )
    for got in (load_one(path), rsciio_read(path)[0]):
        var = got["metadata"]["Signal"]["Noise_properties"]["_sig_variance"]
        assert_same(var["data"], inner["data"])
        assert_same(var["metadata"], inner["metadata"])
        assert var["axes"][0]["size"] == 4


def test_incomplete_axis_dicts_are_completed_on_disk(tmp_path):
    path = tmp_path / "axes.hspy"
    data = np.zeros((2, 3))
    mapper.save(
        path,
        {
            "data": data,
            "axes": [{"navigate": True}, {"navigate": False}],
            "metadata": {"General": {"title": "sig"}},
        },
    )
    (theirs,) = rsciio_read(path)
    assert [ax.get("size") for ax in theirs["axes"]] == [2, 3]
    assert [ax["navigate"] for ax in theirs["axes"]] == [True, False]
    for ax in theirs["axes"]:  # the keys HyperSpy's axes are built from
        assert {"name", "units", "size", "scale", "offset", "navigate"} <= set(ax)


def test_signal_without_axes_writes_a_valid_file(tmp_path):
    path = tmp_path / "noaxes.hspy"
    mapper.save(path, {"data": np.zeros((2, 3)), "metadata": {"General": {"title": "sig"}}})
    (theirs,) = rsciio_read(path)
    assert [ax["size"] for ax in theirs["axes"]] == [2, 3]
    # index axes, split as the mapper reads a file without navigate: rank 2+ is an image
    assert [ax["navigate"] for ax in theirs["axes"]] == [False, False]
    assert [(ax["scale"], ax["offset"]) for ax in theirs["axes"]] == [(1.0, 0.0)] * 2
    ours = load_one(path)  # and no MapperWarning (an error under this test configuration)
    assert_same(ours["axes"], theirs["axes"], "axes")


def test_axes_that_do_not_match_the_data_are_reported(tmp_path):
    with pytest.raises(WriteError, match="axes"):
        mapper.save(tmp_path / "x.hspy", {"data": np.zeros((2, 3)), "axes": [{"navigate": False}]})
    assert leftovers(tmp_path) == []


def test_key_named_ragged_shapes_is_reported(tmp_path):
    """Old files name ragged shapes ``ragged_shapes``: every array beside it would be ragged."""
    tree = {"ragged_shapes": np.array([1, 2]), "x": np.arange(2.0)}
    with pytest.raises(WriteError, match=r"metadata\.m\.ragged_shapes"):
        mapper.save(tmp_path / "ragged.hspy", make_signal(metadata={"m": tree}))
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- (c) property
#: Names the codec gives a meaning (refused at save, see above); other keys are free text.
RESERVED = (
    "_bs_",
    "_sig_",
    "_list_",
    "_tuple_",
    "_datetime_",
    "_hspy_AxesManager_",
    "_ragged_shapes_",
)
_KEY_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00")
keys = (
    st.text(_KEY_CHARS, min_size=1, max_size=6)
    | st.sampled_from(["General", "_private", "_sig", "list", "a.b", " ", "0", "10", "é ✓"])
).filter(lambda k: k not in (".", "..", "ragged_shapes") and not k.startswith(RESERVED))
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
)
_OFFSETS = st.builds(
    dt.timezone, st.integers(-23 * 60, 23 * 60).map(lambda m: dt.timedelta(minutes=m))
)
_TZ = st.none() | _OFFSETS
_ARRAY_DTYPES = st.sampled_from(
    [np.dtype(t) for t in ("int64", "int8", "uint16", "float64", "float32", "complex128", "bool")]
)
arrays = hnp.arrays(
    _ARRAY_DTYPES, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4)
) | hnp.arrays(
    np.dtype("U6"),
    hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
    elements=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6
    ),
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | _TEXT
    | st.just("_None_")
    | st.binary(max_size=8)
    | st.dates()
    | st.datetimes(timezones=_TZ)
    | st.times(timezones=_TZ)
    | arrays
)
#: Lists of more than 10 items written item by item: their order is what RosettaSciIO loses.
long_lists = st.lists(
    st.none() | st.booleans() | st.integers(-5, 5) | _TEXT | st.binary(max_size=2) | st.dates(),
    min_size=11,
    max_size=14,
)
values = st.recursive(
    scalars | long_lists,
    lambda inner: (
        st.lists(inner, max_size=13)
        | st.lists(inner, max_size=5).map(tuple)
        | st.dictionaries(keys, inner, max_size=4)
    ),
    max_leaves=16,
)
trees = st.dictionaries(keys, values, max_size=5)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("hspy_property")


_counter = itertools.count()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees, original=trees)
def test_arbitrary_metadata_round_trips(scratch, tree, original):
    path = scratch / f"rt{next(_counter)}.hspy"
    signal = {
        "data": np.arange(3, dtype=np.uint8),
        "axes": axes_for((3,)),
        "metadata": {"General": {"title": "t"}, "tree": tree},
        "original_metadata": original,
    }
    mapper.save(path, signal)
    try:
        back = load_one(path)
        assert_same(back["metadata"], signal["metadata"], "metadata")
        assert_same(back["original_metadata"], original, "original_metadata")
    finally:
        path.unlink()


# ---------------------------------------------------------------------------- (d) options
BIG = np.random.default_rng(0).random((50, 64, 64))  # 1.6 MB: two chunks of whole images


def big_signal(data: Any = None) -> dict[str, Any]:
    return make_signal(BIG if data is None else data, navigate=[True, False, False])


def test_default_chunks_hold_whole_signals_with_gzip_and_shuffle(tmp_path):
    path = tmp_path / "d.hspy"
    mapper.save(path, big_signal())
    with data_ds(path) as ds:
        assert ds.chunks[1:] == (64, 64)
        assert 2 <= ds.chunks[0] < 50
        assert math.prod(ds.chunks) * ds.dtype.itemsize <= 1_000_000
        assert ds.compression == "gzip" and ds.shuffle
        np.testing.assert_array_equal(ds[()], BIG)


def test_default_chunks_match_rsciio(tmp_path):
    ours, theirs = tmp_path / "m.hspy", tmp_path / "rs.hspy"
    mapper.save(ours, big_signal())
    rsciio_write(theirs, big_signal())
    with data_ds(ours) as a, data_ds(theirs) as b:
        assert a.chunks == b.chunks


def test_no_compression_means_no_shuffle(tmp_path):
    path = tmp_path / "n.hspy"
    mapper.save(path, big_signal(), compression=None)
    with data_ds(path) as ds:
        assert ds.compression is None and not ds.shuffle
        np.testing.assert_array_equal(ds[()], BIG)


def test_chunks_and_h5py_options_are_honoured(tmp_path):
    a, b = tmp_path / "a.hspy", tmp_path / "b.hspy"
    mapper.save(a, big_signal(), chunks=(1, 64, 64))
    mapper.save(b, big_signal(), compression_opts=9, fletcher32=True)
    with data_ds(a) as one, data_ds(b) as ds:
        assert one.chunks == (1, 64, 64)
        assert ds.compression == "gzip" and ds.compression_opts == 9 and ds.fletcher32
        np.testing.assert_array_equal(ds[()], BIG)


def test_unknown_h5py_option_is_an_option_error(tmp_path):
    with pytest.raises(OptionError, match="not_an_option"):
        mapper.save(tmp_path / "x.hspy", big_signal(), not_an_option=1)
    assert leftovers(tmp_path) == []


def test_dask_chunks_become_the_file_chunks(tmp_path):
    """That the blocks are computed once each, never the whole array: test_roundtrip.py."""
    lazy = da.from_array(BIG, chunks=(10, 32, 64))
    path = tmp_path / "dask.hspy"
    mapper.save(path, big_signal(lazy))
    with data_ds(path) as ds:
        assert ds.chunks == (10, 32, 64)  # the dask chunks are kept
        np.testing.assert_array_equal(ds[()], BIG)
    np.testing.assert_array_equal(load_one(path)["data"], BIG)


def test_progress_bar_goes_to_stderr_when_asked(tmp_path, capsys):
    lazy = da.from_array(BIG, chunks=(10, 64, 64))
    mapper.save(tmp_path / "p.hspy", big_signal(lazy), show_progressbar=True)
    out, err = capsys.readouterr()
    assert "100%" in err and out == ""
    mapper.save(tmp_path / "q.hspy", big_signal(lazy), show_progressbar=False)
    assert capsys.readouterr() == ("", "")


# ---------------------------------------------------------------------------- (e) in place
def test_write_dataset_false_updates_metadata_and_keeps_data(tmp_path):
    path = tmp_path / "u.hspy"
    first = big_signal()
    first["metadata"]["old"] = {"gone": 1}
    first["original_metadata"] = {"raw": "before"}
    mapper.save(path, first)
    offsets = chunk_offsets(path)
    second = big_signal(np.zeros_like(BIG))  # same shape, other values: must not be written
    second["metadata"]["new"] = {"value": [1, 2]}
    second["original_metadata"] = {"raw": "after"}
    second["axes"][0]["units"] = "µm"
    mapper.save(path, second, write_dataset=False)
    assert chunk_offsets(path) == offsets
    back = load_one(path)
    np.testing.assert_array_equal(back["data"], BIG)
    assert "old" not in back["metadata"]
    assert_same(back["metadata"]["new"], {"value": [1, 2]})
    assert back["original_metadata"] == {"raw": "after"}
    assert back["axes"][0]["units"] == "µm"
    (theirs,) = rsciio_read(path)
    assert_same(theirs["metadata"], back["metadata"], "metadata")


def test_write_dataset_false_refuses_another_shape_and_leaves_the_file(tmp_path):
    path = tmp_path / "u.hspy"
    mapper.save(path, big_signal())
    before = path.read_bytes()
    other = big_signal(np.zeros((5, 64, 64)))
    other["metadata"]["new"] = 1
    with pytest.raises(WriteError, match=r"\(50, 64, 64\)"):
        mapper.save(path, other, write_dataset=False)
    assert path.read_bytes() == before
    assert "new" not in load_one(path)["metadata"]


def test_write_dataset_false_checks_values_before_opening(tmp_path):
    path = tmp_path / "u.hspy"
    mapper.save(path, big_signal())
    before = path.read_bytes()
    bad = big_signal()
    bad["metadata"]["s"] = {1}
    with pytest.raises(WriteError, match=r"metadata\.s"):
        mapper.save(path, bad, write_dataset=False)
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------- (f) names
@pytest.mark.parametrize(
    "title, group",
    [("a/b", "a-b"), ("", "__unnamed__"), ("plain title", "plain title"), (".", "-")],
)
def test_experiment_group_name_comes_from_the_title(tmp_path, title, group):
    path = tmp_path / "n.hspy"
    mapper.save(path, make_signal(title=title))
    with h5py.File(path, "r") as f:
        assert list(f["Experiments"]) == [group]
    back = load_one(path)
    assert back["metadata"]["General"]["title"] == title
    assert rsciio_read(path)[0]["metadata"]["General"]["title"] == title


def test_same_group_names_as_rsciio(tmp_path):
    for title in ("a/b", ""):
        ours, theirs = tmp_path / "m.hspy", tmp_path / "rs.hspy"
        mapper.save(ours, make_signal(title=title), overwrite=True)
        rsciio_write(theirs, make_signal(title=title))
        with h5py.File(ours, "r") as f, h5py.File(theirs, "r") as g:
            assert list(f["Experiments"]) == list(g["Experiments"])


def test_a_list_of_signals_gives_one_experiment_each(tmp_path):
    path = tmp_path / "two.hspy"
    one = make_signal(np.arange(4.0).reshape(1, 4), title="one")
    two = make_signal(np.arange(6, dtype=np.int32).reshape(2, 3), title="two")
    mapper.save(path, [one, two])
    with h5py.File(path, "r") as f:
        assert sorted(f["Experiments"]) == ["one", "two"]
    ours = mapper.load(path)
    theirs = rsciio_read(path)
    for got in (ours, theirs):
        by_title = {s["metadata"]["General"]["title"]: s for s in got}
        assert sorted(by_title) == ["one", "two"]
        assert_same(by_title["one"]["data"], one["data"])
        assert_same(by_title["two"]["data"], two["data"])
        assert_same(by_title["two"]["axes"], two["axes"])
