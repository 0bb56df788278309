"""The NXdata rules (formats.md section 1.3), each on a generated file."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import entry, write_nxdata

import mapper


def one(path, **kw):
    signals = mapper.load(path, **kw)
    assert len(signals) == 1, [s["metadata"]["General"]["title"] for s in signals]
    return signals[0]


def names(signals):
    return [s["metadata"]["General"]["title"] for s in signals]


# ---------------------------------------------------------------- which groups, which order


def test_one_signal_per_nxdata_group_not_per_array(nexus):
    def build(f):
        e = entry(f)
        for name in ("a", "b"):
            write_nxdata(
                e.create_group(name),
                np.zeros((3, 4)),
                ["y", "x"],
                {"y": np.arange(3.0), "x": np.arange(4.0)},
            )
        e["instrument/motor"] = np.arange(100.0)  # an array that is not plottable data

    signals = mapper.load(nexus(build))
    assert names(signals) == ["a", "b"]
    assert [s["data"].shape for s in signals] == [(3, 4), (3, 4)]


def test_default_first_and_use_default(nexus):
    def build(f):
        f.attrs["default"] = "entry"
        e = entry(f)
        e.attrs["default"] = "b"
        write_nxdata(e.create_group("a"), np.zeros(3))
        write_nxdata(e.create_group("b"), np.ones(4))

    path = nexus(build)
    assert names(mapper.load(path)) == ["b", "a"]
    only = mapper.load(path, use_default=True)
    assert names(only) == ["b"]
    np.testing.assert_array_equal(only[0]["data"], np.ones(4))


def test_default_chain_without_root_default_uses_first_entry(nexus):
    def build(f):
        e = entry(f)
        e.attrs["default"] = "/entry/b"  # absolute path form
        write_nxdata(e.create_group("a"), np.zeros(3))
        write_nxdata(e.create_group("b"), np.ones(4))

    assert names(mapper.load(nexus(build), use_default=True)) == ["b"]


def test_use_default_without_default_keeps_all(nexus):
    def build(f):
        e = entry(f)
        write_nxdata(e.create_group("a"), np.zeros(3))
        write_nxdata(e.create_group("b"), np.ones(4))

    assert names(mapper.load(nexus(build), use_default=True)) == ["a", "b"]


def test_broken_default_chain_warns_and_loads_all(nexus):
    def build(f):
        f.attrs["default"] = "nope"
        e = entry(f)
        write_nxdata(e.create_group("a"), np.zeros(3))

    with pytest.warns(mapper.MapperWarning, match="@default: names 'nope'"):
        assert names(mapper.load(nexus(build))) == ["a"]


def test_dataset_path_and_dataset_key(nexus):
    def build(f):
        e = entry(f)
        write_nxdata(e.create_group("EDS_Fe"), np.zeros(3))
        write_nxdata(e.create_group("EDS_Ca"), np.zeros(3))
        write_nxdata(e.create_group("EELS"), np.zeros(3))

    path = nexus(build)
    assert names(mapper.load(path, dataset_key="EDS")) == ["EDS_Ca", "EDS_Fe"]
    assert names(mapper.load(path, dataset_key=["Fe", "EELS"])) == ["EDS_Fe", "EELS"]
    assert names(mapper.load(path, dataset_path="/entry/EELS")) == ["EELS"]
    # the signal field's own path selects its group too
    assert names(mapper.load(path, dataset_path=["/entry/EDS_Fe/data"])) == ["EDS_Fe"]
    with pytest.raises(mapper.MapperError, match="nothing matches"):
        mapper.load(path, dataset_path="/entry/nothing")


def test_unknown_option_is_an_error(nexus):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(2)))
    with pytest.raises(mapper.MapperError, match=r"no option 'dataset_keys'.*dataset_key"):
        mapper.load(path, dataset_keys="x")
    with pytest.raises(TypeError, match="must be a boolean"):
        mapper.load(path, use_default="yes")


# ---------------------------------------------------------------- axes


def test_axes_names_units_and_uniform_values(nexus):
    def build(f):
        write_nxdata(
            entry(f).create_group("d"),
            np.zeros((3, 5)),
            ["y", "x"],
            {"y": (np.array([1.0, 3.0, 5.0]), "mm"), "x": (np.arange(5) * 0.5 + 2, "eV")},
        )

    s = one(nexus(build))
    y, x = s["axes"]
    assert (y["name"], y["units"], y["size"], y["offset"], y["scale"]) == ("y", "mm", 3, 1.0, 2.0)
    assert (x["name"], x["units"], x["size"], x["offset"], x["scale"]) == ("x", "eV", 5, 2.0, 0.5)


def test_descending_axis_stays_descending(nexus):
    def build(f):
        write_nxdata(
            entry(f).create_group("d"),
            np.zeros(4),
            ["e"],
            {"e": (np.array([10.0, 8.0, 6.0, 4.0]), "keV")},
        )

    (ax,) = one(nexus(build))["axes"]
    assert ax["offset"] == 10.0 and ax["scale"] == -2.0
    values = ax["offset"] + ax["scale"] * np.arange(ax["size"])
    np.testing.assert_array_equal(values, [10, 8, 6, 4])


def test_non_uniform_axis_kept_with_units(nexus):
    vals = np.array([1.0, 2.0, 4.0, 8.0, 16.0])

    def build(f):
        write_nxdata(entry(f).create_group("d"), np.zeros(5), ["t"], {"t": (vals, "s")})

    (ax,) = one(nexus(build))["axes"]
    assert "scale" not in ax and ax["units"] == "s" and ax["size"] == 5
    np.testing.assert_array_equal(ax["axis"], vals)


def test_axis_indices_int_and_array(nexus):
    def build(f):
        g = write_nxdata(
            entry(f).create_group("d"),
            np.zeros((2, 3, 4)),
            ["z", ".", "."],
            {"z": np.arange(2.0), "x": np.arange(4.0) * 3, "y": np.arange(3.0) * 2},
        )
        g.attrs["x_indices"] = np.array([2])
        g.attrs["y_indices"] = 1

    s = one(nexus(build))
    assert [a["name"] for a in s["axes"]] == ["z", "y", "x"]
    assert [a["scale"] for a in s["axes"]] == [1.0, 2.0, 3.0]


def test_dot_axes_are_index_axes(nexus):
    def build(f):
        write_nxdata(entry(f).create_group("d"), np.zeros((2, 3)), [".", "."])

    axes = one(nexus(build))["axes"]
    assert [(a["name"], a["size"], a["offset"], a["scale"]) for a in axes] == [
        ("", 2, 0.0, 1.0),
        ("", 3, 0.0, 1.0),
    ]


def test_bin_edges_become_centres(nexus):
    def build(f):
        write_nxdata(
            entry(f).create_group("d"),
            np.zeros(3),
            ["q"],
            {"q": (np.array([0.0, 1.0, 2.0, 3.0]), "1/nm")},
        )

    (ax,) = one(nexus(build))["axes"]
    assert ax["is_binned"] is True and ax["size"] == 3
    assert ax["offset"] == 0.5 and ax["scale"] == 1.0


def test_non_uniform_bin_edges(nexus):
    def build(f):
        write_nxdata(
            entry(f).create_group("d"), np.zeros(3), ["q"], {"q": np.array([0.0, 1.0, 3.0, 7.0])}
        )

    (ax,) = one(nexus(build))["axes"]
    assert ax["is_binned"] is True
    np.testing.assert_array_equal(ax["axis"], [0.5, 2.0, 5.0])


def test_several_axes_on_one_dimension_first_wins(nexus):
    def build(f):
        g = write_nxdata(
            entry(f).create_group("d"),
            np.zeros(3),
            ["energy", "channel"],
            {"energy": np.array([1.0, 2.0, 3.0]), "channel": np.array([7.0, 8.0, 9.0])},
        )
        g.attrs["energy_indices"] = 0
        g.attrs["channel_indices"] = 0

    (ax,) = one(nexus(build))["axes"]
    assert ax["name"] == "energy"


def test_joined_axes_string_is_accepted(nexus):
    def build(f):
        g = write_nxdata(
            entry(f).create_group("d"),
            np.zeros((2, 3)),
            None,
            {"y": np.arange(2.0), "x": np.arange(3.0)},
        )
        g.attrs["axes"] = "y,x"

    assert [a["name"] for a in one(nexus(build))["axes"]] == ["y", "x"]


@pytest.mark.parametrize(
    ("interpretation", "shape", "expected"),
    [
        ("spectrum", (2, 3, 4), [True, True, False]),
        ("image", (2, 3, 4), [True, False, False]),
        ("scalar", (2, 3), [True, True]),
        (None, (5,), [False]),
        (None, (2, 3, 4), [True, False, False]),
    ],
)
def test_navigate_from_interpretation(nexus, interpretation, shape, expected):
    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.zeros(shape))
        if interpretation:
            g["data"].attrs["interpretation"] = interpretation

    axes = one(nexus(build))["axes"]
    assert [a["navigate"] for a in axes] == expected


def test_every_axis_has_all_keys(nexus):
    def build(f):
        write_nxdata(
            entry(f).create_group("d"),
            np.zeros((2, 3, 4)),
            ["a", ".", "c"],
            {"a": np.array([0.0, 5.0]), "c": np.array([1.0, 2.0, 4.0, 8.0])},
        )

    for ax in one(nexus(build))["axes"]:
        assert {"name", "units", "navigate", "size"} <= set(ax)
        assert ("axis" in ax) or ({"scale", "offset"} <= set(ax))


# ---------------------------------------------------------------- v2 style


def test_v2_signal_on_field_with_colon_axes(nexus):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs["NX_class"] = "NXdata"
        ds = g.create_dataset("counts", data=np.zeros((2, 3)))
        ds.attrs["signal"] = 1
        ds.attrs["axes"] = "y:x"
        g["y"] = np.array([1.0, 2.0])
        g["x"] = np.array([0.0, 0.1, 0.2])
        g["monitor"] = np.zeros((2, 3))

    s = one(nexus(build))
    assert s["data"].shape == (2, 3)
    assert [a["name"] for a in s["axes"]] == ["y", "x"]


def test_v2_axis_and_primary_attributes(nexus):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs["NX_class"] = "NXdata"
        g.create_dataset("counts", data=np.zeros((2, 3))).attrs["signal"] = "1"
        g.create_dataset("tth", data=np.arange(3.0)).attrs.update({"axis": 2, "primary": 1})
        g.create_dataset("alt", data=np.arange(3.0) * 9).attrs.update({"axis": 2, "primary": 2})
        g.create_dataset("temp", data=np.arange(2.0)).attrs["axis"] = 1

    s = one(nexus(build))
    assert [a["name"] for a in s["axes"]] == ["temp", "tth"]


# ---------------------------------------------------------------- errors, auxiliary signals


def test_errors_become_variance_and_auxiliary_signals_are_kept(nexus):
    data = np.arange(6.0).reshape(2, 3)

    def build(f):
        g = write_nxdata(entry(f).create_group("d"), data)
        g["data_errors"] = np.sqrt(data)
        g["monitor"] = data * 10
        g.attrs["auxiliary_signals"] = np.array(["monitor"], dtype=h5py.string_dtype())

    s = one(nexus(build))
    np.testing.assert_allclose(s["metadata"]["Signal"]["Noise_properties"]["variance"], data)
    np.testing.assert_array_equal(
        s["metadata"]["Signal"]["auxiliary_signals"]["monitor"], data * 10
    )


def test_old_style_errors_field(nexus):
    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.ones(3))
        g["errors"] = np.full(3, 2.0)

    s = one(nexus(build))
    np.testing.assert_array_equal(s["metadata"]["Signal"]["Noise_properties"]["variance"], 4.0)


def test_lazy_errors_and_auxiliary_are_dask(nexus):
    import dask.array as da

    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.ones(3))
        g["data_errors"] = np.full(3, 3.0)
        g["aux"] = np.zeros(3)
        g.attrs["auxiliary_signals"] = ["aux"]

    s = one(nexus(build), lazy=True)
    var = s["metadata"]["Signal"]["Noise_properties"]["variance"]
    assert isinstance(var, da.Array) and isinstance(s["data"], da.Array)
    np.testing.assert_array_equal(var.compute(), 9.0)


# ---------------------------------------------------------------- metadata


def test_title_from_entry_else_group_name_and_filename(nexus):
    def build(f):
        write_nxdata(entry(f, title="my scan").create_group("d"), np.zeros(2))
        write_nxdata(entry(f, "other").create_group("plot"), np.zeros(2))

    path = nexus(build, name="scan_17.nxs")
    a, b = mapper.load(path)
    assert a["metadata"]["General"] == {"title": "my scan", "original_filename": "scan_17.nxs"}
    assert b["metadata"]["General"]["title"] == "plot"


def test_original_metadata_value_attrs_without_bulk(nexus):
    def build(f):
        e = entry(f, title="t")
        e.attrs["facility"] = "Diamond"
        inst = e.create_group("instrument")
        inst.attrs["NX_class"] = "NXinstrument"
        en = inst.create_dataset("energy", data=12.0)
        en.attrs["units"] = "keV"
        write_nxdata(e.create_group("d"), np.zeros((100, 100)))

    om = one(nexus(build))["original_metadata"]
    assert om["attrs"] == {"NX_class": "NXentry", "facility": "Diamond"}
    assert om["instrument"]["energy"] == {"value": 12.0, "attrs": {"units": "keV"}}
    assert om["title"]["value"] == "t"
    # the bulk array is summarised, not copied
    assert om["d"]["data"]["value"] == {
        "shape": (100, 100),
        "dtype": "float64",
        "hdf5_path": "/entry/d/data",
    }


def test_metadata_key_and_skip_array_metadata(nexus):
    def build(f):
        e = entry(f)
        e["instrument/energy"] = 12.0
        e["instrument/stages"] = np.arange(5.0)
        e["sample/name"] = "Fe"
        write_nxdata(e.create_group("d"), np.zeros(3))

    path = nexus(build)
    om = one(path, metadata_key="instrument")["original_metadata"]
    assert set(om) == {"instrument", "attrs"} and set(om["instrument"]) == {"energy", "stages"}
    om = one(path, skip_array_metadata=True)["original_metadata"]
    assert "stages" not in om["instrument"] and om["instrument"]["energy"]["value"] == 12.0
    assert "data" not in om["d"]


# ---------------------------------------------------------------- lazy


def test_lazy_is_chunked_on_disk_chunks_and_equals_eager(nexus):
    data = np.random.default_rng(0).integers(0, 1000, size=(20, 64, 64)).astype(np.uint16)

    def build(f):
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g.create_dataset("data", data=data, chunks=(1, 32, 32), compression="gzip")

    path = nexus(build)
    lazy = one(path, lazy=True)["data"]
    for dim, disk in zip(lazy.chunks, (1, 32, 32), strict=True):
        assert all(c % disk == 0 or c == sum(dim) % disk for c in dim)
    np.testing.assert_array_equal(lazy.compute(), one(path)["data"])
    assert int(lazy.sum().compute()) == int(data.sum())


def test_lazy_reads_no_bulk_data(nexus, monkeypatch):
    def build(f):
        write_nxdata(entry(f).create_group("d"), np.zeros((50, 50)), [".", "."])

    path = nexus(build)
    calls = []
    get, direct = h5py.Dataset.__getitem__, h5py.Dataset.read_direct
    monkeypatch.setattr(
        h5py.Dataset,
        "__getitem__",
        lambda self, *a, **k: calls.append(self.name) or get(self, *a, **k),
    )
    monkeypatch.setattr(
        h5py.Dataset,
        "read_direct",
        lambda self, *a, **k: calls.append(self.name) or direct(self, *a, **k),
    )
    s = one(path, lazy=True)
    assert "/entry/d/data" not in calls
    assert s["data"].shape == (50, 50)
    one(path)  # the eager control: the recorder does see the bulk read
    assert "/entry/d/data" in calls


def test_two_dimensional_coordinate_varying_along_one_dimension(nexus):
    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.zeros((3, 4)), [".", "."])
        g["row"] = np.repeat(np.array([[1.0], [2.0], [3.0]]), 4, axis=1)  # varies along dim 0
        g["col"] = np.tile(np.arange(4.0) * 5, (3, 1))  # varies along dim 1
        g.attrs["row_indices"] = [0, 1]
        g.attrs["col_indices"] = [0, 1]

    axes = one(nexus(build))["axes"]
    assert [(a["name"], a["offset"], a["scale"]) for a in axes] == [
        ("row", 1.0, 1.0),
        ("col", 0.0, 5.0),
    ]


def test_coordinate_varying_along_two_dimensions_warns(nexus):
    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.zeros((2, 2)), [".", "."])
        g["xy"] = np.array([[0.0, 1.0], [2.0, 4.0]])
        g.attrs["xy_indices"] = [0, 1]

    with pytest.warns(mapper.MapperWarning, match="varies along several dimensions"):
        axes = one(nexus(build))["axes"]
    assert [a["name"] for a in axes] == ["", ""]
