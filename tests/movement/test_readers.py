"""Readers on real files (see conftest for attribution) and clear errors on malformed ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinchain.errors import MovementDataError
from kinchain.knowledge.loader import Knowledge
from kinchain.movement.readers import load_trial, read_c3d, read_mot, read_trc

from .conftest import motion_file


def _genfromtxt_trc(path: Path) -> np.ndarray:
    """Independent reading of the TRC body with numpy (empty cells -> NaN)."""
    return np.genfromtxt(path, delimiter="\t", skip_header=6, filling_values=np.nan, invalid_raise=False)


def test_c3d_qualisys_shape_units_and_labels() -> None:
    t = read_c3d(motion_file("ezc3d/Qualisys_gait_2fp.c3d"))
    assert t.rate == 200.0
    assert t.points.shape == (340, 55, 3)
    assert {"L_IAS", "R_IAS", "R_FLE", "R_FME", "R_FAL", "R_TAM"} <= set(t.labels)
    # pelvis width in mm (a metre-valued file would give ~0.24)
    w = np.nanmedian(np.linalg.norm(t.marker("R_IAS") - t.marker("L_IAS"), axis=1))
    assert 200 < w < 300


def test_c3d_duplicate_labels_resolved_by_descriptions() -> None:
    t = read_c3d(motion_file("bmclab/Gait.c3d"))
    assert "R.Knee.Medial" in t.labels and "L.Ankle.Medial" in t.labels
    assert len(set(t.labels)) == len(t.labels)


@pytest.mark.parametrize("rel, scale", [("bmclab/walk1.trc", 1.0), ("opencap/walk_markers.trc", 1000.0),
                                        ("bmclab/run_markers.trc", 1.0)])
def test_trc_matches_numpy_genfromtxt(rel: str, scale: float) -> None:
    path = motion_file(rel)
    t = read_trc(path)
    ref = _genfromtxt_trc(path)
    ref = ref[~np.isnan(ref[:, 0])]
    assert t.points.shape[0] == ref.shape[0]
    body = ref[:, 2:2 + 3 * len(t.labels)].reshape(ref.shape[0], len(t.labels), 3) * scale
    np.testing.assert_array_equal(np.isnan(body), np.isnan(t.points))
    np.testing.assert_allclose(t.points, body, rtol=0, atol=1e-9, equal_nan=True)


def test_trc_matches_opensim_table_reader() -> None:
    opensim = pytest.importorskip("opensim", reason="optional extra 'opensim' (pip install opensim==4.6)")
    path = motion_file("opencap/walk_markers.trc")
    table = opensim.TimeSeriesTableVec3(str(path))
    t = read_trc(path)
    labels = list(table.getColumnLabels())
    assert labels == t.labels
    assert table.getNumRows() == t.n_frames
    for j in (0, 20, len(labels) - 1):
        col = table.getDependentColumnAtIndex(j)
        for i in (0, 100, t.n_frames - 1):
            v = col[i]
            np.testing.assert_allclose([v[0] * 1000, v[1] * 1000, v[2] * 1000], t.points[i, j], atol=1e-6)


def test_mot_reader() -> None:
    m = read_mot(motion_file("opencap/walk_ik.mot"))
    assert m.in_degrees and m.n_frames == 222
    assert {"pelvis_list", "hip_adduction_r", "knee_angle_l"} <= set(m.columns)
    assert abs(m.rate - 60.0) < 0.01
    assert m.columns["pelvis_tilt"][0] == pytest.approx(-14.47661079)


# ------------------------------------------------------------------------------ malformed input
def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(MovementDataError, match="does not exist"):
        load_trial(tmp_path / "nope.c3d")
    bad = tmp_path / "trial.xyz"
    bad.write_text("1 2 3")
    with pytest.raises(MovementDataError, match=r"unknown file type '\.xyz'.*Fix"):
        load_trial(bad)


def test_corrupt_c3d(tmp_path: Path) -> None:
    bad = tmp_path / "broken.c3d"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(MovementDataError, match=r"broken\.c3d"):
        read_c3d(bad)


def test_trc_errors_name_file_and_fix(tmp_path: Path) -> None:
    src = motion_file("bmclab/walk1.trc").read_text().splitlines()
    p = tmp_path / "nm.trc"
    p.write_text("\n".join([src[0], src[1], src[2].replace("\t28\t", "\t27\t"), *src[3:]]))
    with pytest.raises(MovementDataError, match=r"nm\.trc: header says NumMarkers=27 but line 4 names 28"):
        read_trc(p)
    p2 = tmp_path / "text.trc"
    fields = src[8].split("\t")
    fields[3] = "abc"
    p2.write_text("\n".join([*src[:8], "\t".join(fields), *src[9:]]))
    with pytest.raises(MovementDataError, match=r"text\.trc: line 9 holds a non-number"):
        read_trc(p2)
    p3 = tmp_path / "notrc.trc"
    p3.write_text("hello\nworld\n")
    with pytest.raises(MovementDataError, match="not a TRC file"):
        read_trc(p3)


@pytest.fixture
def _kb_patched(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    from kinchain.movement import pipeline

    monkeypatch.setattr(pipeline, "load_knowledge", lambda: kb)


@pytest.mark.usefixtures("_kb_patched")
def test_missing_pelvis_markers_named(tmp_path: Path) -> None:
    from kinchain.movement.pipeline import analyze

    text = motion_file("bmclab/walk1.trc").read_text().replace("L.PSIS", "Foo").replace("R.PSIS", "Bar")
    p = tmp_path / "nopsis.trc"
    p.write_text(text)
    with pytest.raises(MovementDataError, match=r"nopsis\.trc: pelvis markers missing: \['RPSI', 'LPSI'\].*Fix"):
        analyze(p, "gait")


@pytest.mark.usefixtures("_kb_patched")
def test_wrong_units_detected(tmp_path: Path) -> None:
    from kinchain.movement.pipeline import analyze

    lines = motion_file("opencap/walk_markers.trc").read_text().splitlines()
    lines[2] = lines[2].replace("\tm\t", "\tmm\t")  # metres declared as millimetres
    p = tmp_path / "units.trc"
    p.write_text("\n".join(lines))
    with pytest.raises(MovementDataError, match=r"unit is probably wrong.*Fix"):
        analyze(p, "gait")


def test_keypoints_missing_legs(tmp_path: Path) -> None:
    p = tmp_path / "kp.json"
    p.write_text('{"frames": [{"people": [{"pose_keypoints_2d": [' + ",".join(["0"] * 51) + "]}]}]}")
    with pytest.raises(MovementDataError, match=r"kp\.json: keypoints .* never present"):
        load_trial(p)
    p2 = tmp_path / "kp18.json"
    p2.write_text('{"people": [{"pose_keypoints_2d": [' + ",".join(["1"] * 54) + "]}]}")
    with pytest.raises(MovementDataError, match="18 keypoints"):
        load_trial(p2)
