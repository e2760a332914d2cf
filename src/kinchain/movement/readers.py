"""Readers for motion files: C3D (ezc3d), OpenSim TRC/MOT (own parser) and 2D keypoints.

Every reader raises :class:`kinchain.errors.MovementDataError` naming the file, what is wrong and how
to fix it. Marker data are returned in millimetres whatever the file's unit.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from kinchain.errors import MovementDataError
from kinchain.movement.trial import CoordinateTrial, FloatArray, ForceRecord, KeypointTrial, MarkerTrial, Trial

UNIT_TO_MM = {"mm": 1.0, "m": 1000.0, "cm": 10.0, "millimeters": 1.0, "meters": 1000.0}
DEFAULT_KEYPOINT_FPS = 30.0

# canonical 2D keypoint names used downstream
KP_NAMES = ("l_shoulder", "r_shoulder", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle",
            "l_heel", "r_heel", "l_toe", "r_toe")

MEDIAPIPE33 = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
_MP_CANON = {"left_shoulder": "l_shoulder", "right_shoulder": "r_shoulder", "left_hip": "l_hip",
             "right_hip": "r_hip", "left_knee": "l_knee", "right_knee": "r_knee", "left_ankle": "l_ankle",
             "right_ankle": "r_ankle", "left_heel": "l_heel", "right_heel": "r_heel",
             "left_foot_index": "l_toe", "right_foot_index": "r_toe"}
# index of each canonical point in the OpenPose / COCO layouts (by number of keypoints per person)
OPENPOSE_LAYOUTS: dict[int, tuple[str, dict[str, int]]] = {
    17: ("coco17", {"l_shoulder": 5, "r_shoulder": 6, "l_hip": 11, "r_hip": 12, "l_knee": 13, "r_knee": 14,
                    "l_ankle": 15, "r_ankle": 16}),
    25: ("body25", {"r_shoulder": 2, "l_shoulder": 5, "r_hip": 9, "r_knee": 10, "r_ankle": 11, "l_hip": 12,
                    "l_knee": 13, "l_ankle": 14, "l_toe": 19, "l_heel": 21, "r_toe": 22, "r_heel": 24}),
    26: ("halpe26", {"l_shoulder": 5, "r_shoulder": 6, "l_hip": 11, "r_hip": 12, "l_knee": 13, "r_knee": 14,
                     "l_ankle": 15, "r_ankle": 16, "l_toe": 20, "r_toe": 21, "l_heel": 24, "r_heel": 25}),
    33: ("mediapipe33", {_MP_CANON[n]: i for i, n in enumerate(MEDIAPIPE33) if n in _MP_CANON}),
}


def _err(path: Path, what: str, fix: str) -> MovementDataError:
    return MovementDataError(f"{path}: {what}. Fix: {fix}")


# ----------------------------------------------------------------------------------------------- C3D
def read_c3d(path: str | Path) -> MarkerTrial:
    """Markers of a C3D file via ezc3d (invalid samples -> NaN, units -> mm, duplicate labels renamed)."""
    path = Path(path)
    try:
        import ezc3d
    except ImportError as exc:  # pragma: no cover - the movement extra installs it
        raise _err(path, "reading C3D needs ezc3d", "pip install 'kinchain[movement]'") from exc
    plate_note = None
    try:
        c3d = ezc3d.c3d(str(path), extract_forceplat_data=True)
    except Exception as plate_exc:  # a FORCE_PLATFORM group ezc3d cannot use: read the markers alone
        try:
            c3d = ezc3d.c3d(str(path))
        except Exception as exc:
            raise _err(path, f"not a readable C3D file ({exc})", "export the trial again as C3D") from exc
        plate_note = f"force plates in the file could not be read ({plate_exc}); stance from the markers"
    point = c3d["parameters"]["POINT"]
    labels = [str(s).strip() for s in point["LABELS"]["value"]]
    raw = np.asarray(c3d["data"]["points"], dtype=float)  # (4, n_markers, n_frames)
    if raw.ndim != 3 or raw.shape[1] == 0 or raw.shape[2] < 2:
        raise _err(path, "the file holds no marker trajectories", "export the trial with its 3D markers")
    xyz = np.transpose(raw[:3], (2, 1, 0)).copy()  # (frames, markers, 3)
    residuals = c3d["data"]["meta_points"].get("residuals")
    if residuals is not None and np.size(residuals):
        bad = np.asarray(residuals)[0].T < 0
        xyz[bad] = np.nan
    xyz[np.all(xyz == 0.0, axis=2)] = np.nan
    unit = str((point.get("UNITS", {}).get("value") or ["mm"])[0]).strip().lower() or "mm"
    if unit not in UNIT_TO_MM:
        raise _err(path, f"unknown POINT:UNITS '{unit}'", "set POINT:UNITS to mm or m")
    xyz *= UNIT_TO_MM[unit]
    rate = float(np.asarray(point["RATE"]["value"]).ravel()[0])
    descriptions = [str(d).strip() for d in point.get("DESCRIPTIONS", {}).get("value", [])]
    labels, xyz, notes = _dedupe(labels, xyz, descriptions)
    if plate_note:
        notes.append(plate_note)
    return MarkerTrial(path=path, labels=labels, points=xyz, rate=rate, source_format="c3d", notes=notes,
                       forces=_c3d_plates(path, c3d))


def _c3d_plates(path: Path, c3d: Any) -> ForceRecord | None:
    """The force plates of a C3D file (ezc3d's platform data, lab frame) as plate channels without a
    side; None when the file has none. Analog samples share the marker clock (both start at the
    file's first frame)."""
    plates = c3d["data"].get("platform") or []
    analog = c3d["parameters"].get("ANALOG", {})
    if not plates or "RATE" not in analog:
        return None
    rate = float(np.asarray(analog["RATE"]["value"]).ravel()[0])
    forces = [np.asarray(p["force"], dtype=float).T for p in plates]  # (samples, 3) N
    if not forces or forces[0].shape[0] < 3 or rate <= 0:
        return None
    cop = {f"plate{i}": np.asarray(plate["center_of_pressure"], dtype=float).T
           * UNIT_TO_MM.get(str(plate.get("unit_position", "mm")).strip().lower(), 1.0)
           for i, plate in enumerate(plates, start=1)}
    return _plate_record(path, np.arange(forces[0].shape[0]) / rate,
                         {f"plate{i}": f for i, f in enumerate(forces, start=1)}, cop)


def _dedupe(labels: list[str], xyz: FloatArray, descriptions: list[str] | None = None,
           ) -> tuple[list[str], FloatArray, list[str]]:
    """Resolve labels that occur twice: use the POINT:DESCRIPTIONS text when it names the marker
    differently (e.g. 'R.Knee.Medial'), else keep the copy with the most valid samples first."""
    notes: list[str] = []
    out: list[str] = []
    seen: dict[str, int] = {}
    descriptions = descriptions or []
    counts = {lab: labels.count(lab) for lab in labels}
    for i, lab in enumerate(labels):
        desc = descriptions[i] if i < len(descriptions) else ""
        if counts[lab] > 1 and desc and desc not in labels and descriptions.count(desc) == 1:
            out.append(desc)
            notes.append(f"marker label '{lab}' occurs twice; used the descriptions to tell the copies apart")
            continue
        if lab in seen:
            j = seen[lab]
            valid_i = np.isfinite(xyz[:, i]).all(axis=1).sum()
            valid_j = np.isfinite(xyz[:, j]).all(axis=1).sum()
            if valid_i > valid_j:
                xyz[:, [i, j]] = xyz[:, [j, i]]
            out.append(f"{lab}__dup{i}")
            notes.append(f"marker label '{lab}' occurs twice; kept the copy with more valid samples")
        else:
            seen[lab] = i
            out.append(lab)
    return out, xyz, sorted(set(notes))


# ----------------------------------------------------------------------------------------------- TRC
def _fields(line: str) -> list[str]:
    line = line.rstrip("\r\n")
    return line.split("\t") if "\t" in line else line.split()


def read_trc(path: str | Path) -> MarkerTrial:
    """OpenSim / Cortex / OpenCap TRC: 5 header lines, then Frame#, Time and X Y Z per marker."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_TRC_HEAD_BYTES)
            size = os.fstat(fh.fileno()).st_size
        found = _trc_header(head)
        if found is not None:
            lines, body_at = found
            more = body_at < size
        else:  # header lines longer than the first read or not ending in "\n": decode the whole file
            all_lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
            lines, more = all_lines[:5], len(all_lines) > 5
    except OSError as exc:
        raise _err(path, f"cannot be read ({exc})", "check the path") from exc
    if len(lines) < 5 or not more or not lines[0].startswith("PathFileType"):
        raise _err(path, "is not a TRC file (first line must start with 'PathFileType')",
                   "export markers as an OpenSim .trc")
    keys, vals = _fields(lines[1]), _fields(lines[2])
    meta = {k.strip(): v.strip() for k, v in zip(keys, vals, strict=False)}
    try:
        rate = float(meta["DataRate"])
        n_markers = int(float(meta["NumMarkers"]))
    except (KeyError, ValueError) as exc:
        raise _err(path, "header line 3 lacks DataRate/NumMarkers", "write a standard TRC header") from exc
    unit = meta.get("Units", "mm").lower()
    if unit not in UNIT_TO_MM:
        raise _err(path, f"unknown Units '{meta.get('Units')}'", "set Units to mm or m in the header")
    names_row = _fields(lines[3])
    if len(names_row) < 2 or names_row[0].strip() != "Frame#":
        raise _err(path, "line 4 must start with 'Frame#' and 'Time'", "write a standard TRC header")
    labels = [s.strip() for s in names_row[2:] if s.strip()]
    if len(labels) != n_markers:
        raise _err(path, f"header says NumMarkers={n_markers} but line 4 names {len(labels)} markers",
                   "make NumMarkers match the marker names")
    width = 2 + 3 * n_markers
    data = _trc_body_arrow(path, body_at, width) if found is not None else None
    if data is None:  # unusual layout: the slower parsers, the last one names the offending line
        try:
            body_lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()[5:]
        except OSError as exc:
            raise _err(path, f"cannot be read ({exc})", "check the path") from exc
        data = _trc_body_fast(body_lines, width)
        if data is None:
            data = _trc_body_checked(path, body_lines, width)
    if data.shape[0] < 2:
        raise _err(path, "has fewer than 2 data rows", "export the whole trial")
    rows = data
    # one contiguous row per coordinate (x, y, z of each marker in turn); ``points`` is a (frames,
    # markers, 3) view of it, so each coordinate of a marker is contiguous over the frames
    # (the parsers return arrays of their own: scaling in place is safe)
    channels = np.ascontiguousarray(data[:, 2:].T)
    if UNIT_TO_MM[unit] != 1.0:
        channels *= UNIT_TO_MM[unit]
    xyz = channels.T.reshape(len(rows), n_markers, 3)
    notes = []
    n_declared = meta.get("NumFrames")
    if n_declared and n_declared.strip().isdigit() and int(n_declared) != len(rows):
        notes.append(f"header NumFrames={n_declared} but {len(rows)} rows were read")
    return MarkerTrial(path=path, labels=labels, points=xyz, rate=rate, source_format="trc", notes=notes)


_TRC_HEAD_BYTES = 1 << 20


def _trc_header(head: bytes) -> tuple[list[str], int] | None:
    """The five header lines (decoded) and the byte offset of the body, when the first bytes of the file
    hold five lines ending in "\n"; None otherwise (the caller then decodes the whole file)."""
    off = 0
    for _ in range(5):
        nl = head.find(b"\n", off)
        if nl < 0:
            return None
        off = nl + 1
    lines = head[:off].decode("utf-8", errors="replace").splitlines()
    return (lines, off) if len(lines) == 5 else None


def _trc_body_arrow(path: Path, offset: int, width: int) -> FloatArray | None:
    """Multithreaded parse of a regular tab-separated body (pyarrow's CSV reader on the memory-mapped
    file from byte ``offset``, every column float64, empty cells -> NaN). None when a row differs from
    the first in its number of cells or holds anything but numbers, so that the pandas and line-by-line
    parsers decide (the latter names the offending line)."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - a dependency of kinchain
        return None
    try:
        with pa.memory_map(str(path)) as mm:
            mm.seek(offset)
            body = mm.read_buffer()
            # the first data row (after any blank lines) gives the number of cells per row
            lead = body.slice(0, _TRC_HEAD_BYTES).to_pybytes().lstrip(b"\r\n")
            first, newline, _ = lead.partition(b"\n")
            if not first.strip() or b"\t" not in first or not (newline or len(lead) < _TRC_HEAD_BYTES):
                return None
            n_cols = first.count(b"\t") + 1
            table = pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(autogenerate_column_names=True),
                parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
                convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.float64() for i in range(n_cols)}))
    except (pa.ArrowException, OSError):
        return None
    if table.num_columns != n_cols or table.num_rows == 0:
        return None
    cols = np.empty((n_cols, table.num_rows))  # column-major: the caller keeps rows 2.. as they are
    for i, col in enumerate(table.columns):
        cols[i] = col.to_numpy()
    arr = cols.T
    if arr.shape[1] > width and np.isnan(cols[width:]).all():
        arr = arr[:, :width]
    if arr.shape[1] < width:
        arr = np.hstack((arr, np.full((arr.shape[0], width - arr.shape[1]), np.nan)))
    if arr.shape[1] != width or np.isnan(cols[0]).any():
        return None
    return arr


def _trc_body_fast(body: list[str], width: int) -> FloatArray | None:
    """Vectorised parse of well-formed rows (pandas C parser); None when anything looks unusual so the
    checked parser can say exactly what is wrong."""
    try:
        import io

        import pandas as pd
    except ImportError:  # pragma: no cover
        return None
    text = "\n".join(ln for ln in body if ln.strip())
    if not text or "\t" not in text:
        return None
    try:
        df = pd.read_csv(io.StringIO(text), sep="\t", header=None, dtype=float, engine="c")
    except (ValueError, pd.errors.ParserError):
        return None
    arr = df.to_numpy(dtype=float)
    if arr.shape[1] > width and np.isnan(arr[:, width:]).all():
        arr = arr[:, :width]
    if arr.shape[1] < width:
        arr = np.hstack((arr, np.full((arr.shape[0], width - arr.shape[1]), np.nan)))
    if arr.shape[1] != width or np.isnan(arr[:, 0]).any():
        return None
    return arr


def _trc_body_checked(path: Path, body: list[str], width: int) -> FloatArray:
    rows: list[list[float]] = []
    for lineno, line in enumerate(body, start=6):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t") if "\t" in line else line.split()
        if len(parts) > width and all(not p.strip() for p in parts[width:]):
            parts = parts[:width]
        if len(parts) > width:
            raise _err(path, f"line {lineno} has {len(parts)} columns, expected {width}",
                       "check the file is not truncated or merged")
        try:
            row = [float(p) if p.strip() else np.nan for p in parts]
        except ValueError as exc:
            raise _err(path, f"line {lineno} holds a non-number ({exc})", "remove text from the data rows") from exc
        row += [np.nan] * (width - len(row))
        rows.append(row)
    return np.asarray(rows, dtype=float).reshape(len(rows), width)


# ----------------------------------------------------------------------------------------------- MOT
def read_mot(path: str | Path) -> CoordinateTrial:
    """OpenSim .mot/.sto: header lines up to 'endheader', then a tab-separated table with a time column."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise _err(path, f"cannot be read ({exc})", "check the path") from exc
    try:
        end = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
    except StopIteration:
        raise _err(path, "has no 'endheader' line", "write an OpenSim .mot header ending in 'endheader'") from None
    header = {}
    for line in lines[:end]:
        if "=" in line:
            k, v = line.split("=", 1)
            header[k.strip().lower()] = v.strip().lower()
    in_degrees = header.get("indegrees", "yes") == "yes"
    body = [ln for ln in lines[end + 1:] if ln.strip()]
    if len(body) < 3:
        raise _err(path, "has no data rows after 'endheader'", "export the whole trial")
    names = body[0].split()
    try:
        data = np.array([[float(x) for x in ln.split()] for ln in body[1:]], dtype=float)
    except ValueError as exc:
        raise _err(path, f"a data row holds a non-number ({exc})", "remove text from the data rows") from exc
    if data.ndim != 2 or data.shape[1] != len(names):
        raise _err(path, f"rows do not have {len(names)} columns like the header", "check the table")
    if names[0].lower() != "time":
        raise _err(path, "first column must be 'time'", "export with a time column")
    cols = {n: data[:, i] for i, n in enumerate(names[1:], start=1)}
    return CoordinateTrial(path=path, time=data[:, 0], columns=cols, in_degrees=in_degrees)


# --------------------------------------------------------------------------------------------- forces
_SIDE_FORCE = re.compile(r"^(?:(?P<pre>[rl])_.*force_vy|.*force_vy_(?P<post>[rl]))$", re.IGNORECASE)


FORCE_COLUMN = re.compile(r"force_v[xyz]", re.IGNORECASE)  # OpenSim's ground reaction force columns


def is_force_mot(trial: CoordinateTrial) -> list[str]:
    """Force columns of an OpenSim .mot (empty when it holds coordinates)."""
    return [n for n in trial.columns if FORCE_COLUMN.search(n)]


def read_forces(path: str | Path) -> ForceRecord:
    """A force file: OpenSim .mot/.sto (R_/L_..._force_vy columns, Y up) or Cortex .forces (one channel
    per plate, FX FY FZ and the centre of pressure X Y Z)."""
    path = Path(path)
    if not path.exists():
        raise _err(path, "does not exist", "check the path")
    if path.suffix.lower() == ".forces":
        return _read_cortex_forces(path)
    mot = read_mot(path)
    vertical: dict[str, FloatArray] = {}
    for name, col in mot.columns.items():
        m = _SIDE_FORCE.match(name)
        if m:
            vertical[(m.group("pre") or m.group("post")).lower()] = col
    if not vertical:
        named = is_force_mot(mot)
        raise _err(path, f"no left/right vertical force columns found ({', '.join(named[:4]) or 'no force columns'})",
                   "name them R_ground_force_vy and L_ground_force_vy (or ..._force_vy_r / _l), one per foot")
    return ForceRecord(path=path, time=mot.time, vertical=vertical, side={k: k for k in vertical}, cop={},
                       vertical_axis=1)


# a signal-processing choice, not a clinical number: samples under this share of a plate's peak load
# include every unloaded one, and their median is the plate's zero offset
UNLOADED_SHARE = 0.05


def _loaded_positive(fz: FloatArray) -> FloatArray:
    """A plate's vertical force with load positive and its zero offset removed (a plate not zeroed
    before the trial reads, say, -15 N when empty, which a contact threshold would take for load)."""
    fz = fz if fz.sum() >= 0 else -fz
    peak = float(np.abs(fz).max())
    low = fz[np.abs(fz) < UNLOADED_SHARE * peak]
    return fz - float(np.median(low)) if low.size else fz


def _read_cortex_forces(path: Path) -> ForceRecord:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    head = {k.strip().lower(): v.strip() for k, v in (ln.split("=", 1) for ln in lines[:20] if "=" in ln)}
    try:
        rate = float(head["samplerate"])
        start = next(i for i, ln in enumerate(lines) if ln.startswith("#Sample"))
    except (KeyError, ValueError, StopIteration):
        raise _err(path, "is not a Cortex force file (no SampleRate= line or '#Sample' column header)",
                   "export the forces from Cortex as .forces text, or give an OpenSim force .mot") from None
    names = lines[start].lstrip("#").split("\t")
    try:
        data = np.array([[float(x) for x in ln.split("\t")] for ln in lines[start + 1:] if ln.strip()])
    except ValueError as exc:
        raise _err(path, f"a data row holds a non-number ({exc})", "remove text from the data rows") from exc
    if data.ndim != 2 or data.shape[1] != len(names) or len(data) < 3:
        raise _err(path, f"rows do not have {len(names)} columns like the header", "check the table")
    col = {n: data[:, i] for i, n in enumerate(names)}
    plates = sorted({m.group(1) for n in names if (m := re.fullmatch(r"F[XYZ](\d+)", n))}, key=int)
    if not plates:
        raise _err(path, "has no FX1/FY1/FZ1 force columns", "export the force plate channels")
    return _plate_record(path, (col["Sample"] - col["Sample"][0]) / rate,
                         {f"plate{p}": np.stack([col[f"F{ax}{p}"] for ax in "XYZ"], axis=1) for p in plates},
                         {f"plate{p}": np.stack([col[f"{ax}{p}"] for ax in "XYZ"], axis=1) for p in plates})


def _plate_record(path: Path, time: FloatArray, forces: dict[str, FloatArray],
                  cop: dict[str, FloatArray]) -> ForceRecord:
    """Force plates (plate -> (samples, 3) force in N, centre of pressure in mm, lab frame) as channels
    without a side: the foot is found later from the centre of pressure."""
    # the vertical force is the component with the largest load (body weight dwarfs shear)
    axis = int(np.argmax([max(float(np.abs(f[:, ax]).max()) for f in forces.values()) for ax in range(3)]))
    vertical = {k: _loaded_positive(f[:, axis]) for k, f in forces.items()}
    return ForceRecord(path=path, time=time, vertical=vertical, side={k: None for k in vertical}, cop=cop,
                       vertical_axis=axis)


# ----------------------------------------------------------------------------------------- keypoints
def _finish_keypoints(path: Path, frames: list[dict[str, tuple[float, float, float]]], rate: float | None,
                      size: tuple[float, float] | None, fmt: str, from_video: bool = False) -> KeypointTrial:
    if not frames:
        raise _err(path, "holds no keypoint frames", "export at least one frame of keypoints")
    names = list(KP_NAMES)
    pts = np.full((len(frames), len(names), 2), np.nan)
    conf = np.zeros((len(frames), len(names)))
    for f, fr in enumerate(frames):
        for j, n in enumerate(names):
            if n in fr:
                x, y, c = fr[n]
                pts[f, j] = (x, y)
                conf[f, j] = c
    missing = [n for n in ("l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle")
               if not np.isfinite(pts[:, names.index(n)]).any()]
    if missing:
        raise _err(path, f"keypoints {missing} are never present",
                   "export a body model with hips, knees and ankles (MediaPipe-33, COCO-17, BODY-25, HALPE-26)")
    notes: list[str] = []
    finite = pts[np.isfinite(pts)]
    if finite.size and finite.min() >= -0.5 and finite.max() <= 1.5:
        if size is not None:
            pts[..., 0] *= size[0]
            pts[..., 1] *= size[1]
        else:
            notes.append("coordinates look normalised (0..1) and the image size is unknown: angles assume "
                         "square pixels and are distorted by the frame's aspect ratio")
    if rate is None:
        rate = DEFAULT_KEYPOINT_FPS
        notes.append(f"frame rate not given; assumed {DEFAULT_KEYPOINT_FPS:g} fps (pass fps to be exact)")
    return KeypointTrial(path=path, names=names, points=pts, confidence=conf, rate=float(rate),
                         source_format=fmt, from_video=from_video, notes=notes)


def _openpose_people(doc: Any) -> list[list[float]]:
    people = doc.get("people", []) if isinstance(doc, dict) else []
    return [p.get("pose_keypoints_2d", []) for p in people if p.get("pose_keypoints_2d")]


def _pick_person(cands: list[list[float]], prev: FloatArray | None) -> list[float] | None:
    if not cands:
        return None
    if prev is None:
        return max(cands, key=lambda k: float(np.nansum(np.asarray(k, dtype=float)[2::3])))

    def dist(k: list[float]) -> float:
        a = np.asarray(k, dtype=float).reshape(-1, 3)
        good = a[a[:, 2] > 0, :2]
        return float(np.linalg.norm(good.mean(axis=0) - prev)) if len(good) else np.inf
    return min(cands, key=dist)


def _openpose_frames(path: Path, docs: list[Any]) -> tuple[list[dict[str, tuple[float, float, float]]], str]:
    frames: list[dict[str, tuple[float, float, float]]] = []
    prev: FloatArray | None = None
    layout_name = "openpose"
    for doc in docs:
        person = _pick_person(_openpose_people(doc), prev)
        fr: dict[str, tuple[float, float, float]] = {}
        if person is not None:
            n = len(person) // 3
            if n not in OPENPOSE_LAYOUTS or len(person) % 3:
                raise _err(path, f"a person has {len(person)} numbers in pose_keypoints_2d ({n} keypoints)",
                           "use COCO-17, BODY-25, HALPE-26 or MediaPipe-33 keypoints (x, y, confidence each)")
            layout_name, idx = OPENPOSE_LAYOUTS[n]
            a = np.asarray(person, dtype=float).reshape(n, 3)
            for name, i in idx.items():
                x, y, c = a[i]
                if c > 0 and not (x == 0 and y == 0):
                    fr[name] = (float(x), float(y), float(c))
            good = a[a[:, 2] > 0, :2]
            if len(good):
                prev = good.mean(axis=0)
        frames.append(fr)
    return frames, layout_name


def _mp_landmarks(path: Path, lms: Any) -> dict[str, tuple[float, float, float]]:
    if isinstance(lms, dict):
        lms = lms.get("landmarks", lms.get("pose_landmarks", []))
    if not lms:
        return {}
    if len(lms) != 33:
        raise _err(path, f"a frame has {len(lms)} landmarks, MediaPipe pose has 33",
                   "export all 33 MediaPipe pose landmarks per frame")
    fr = {}
    for i, lm in enumerate(lms):
        name = _MP_CANON.get(MEDIAPIPE33[i])
        if name is None:
            continue
        if isinstance(lm, dict):
            x, y, c = lm.get("x"), lm.get("y"), lm.get("visibility", 1.0)
        else:
            x, y = lm[0], lm[1]
            c = lm[3] if len(lm) > 3 else 1.0
        if x is not None and y is not None:
            fr[name] = (float(x), float(y), float(c if c is not None else 1.0))
    return fr


def read_keypoints_json(path: str | Path, fps: float | None = None) -> KeypointTrial:
    """OpenPose/Pose2Sim per-frame JSON (a file, a list, or a directory of files) or MediaPipe-33 JSON."""
    path = Path(path)
    meta: dict[str, Any] = {}
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise _err(path, "directory holds no *.json keypoint files", "point at OpenPose JSON output")
        docs: list[Any] = [json.loads(f.read_text()) for f in files]
    else:
        try:
            doc = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise _err(path, f"is not valid JSON ({exc})", "export keypoints as JSON") from exc
        if isinstance(doc, dict) and "frames" in doc:
            meta = doc
            docs = list(doc["frames"])
        elif isinstance(doc, list):
            docs = doc
        else:
            docs = [doc]
    rate = fps or meta.get("fps") or meta.get("frame_rate")
    size = (float(meta["width"]), float(meta["height"])) if "width" in meta and "height" in meta else None
    if any(isinstance(d, dict) and "people" in d for d in docs):
        frames, layout = _openpose_frames(path, docs)
        return _finish_keypoints(path, frames, rate, size, f"openpose-{layout}",
                                 from_video=bool(meta.get("from_video")))
    if all(isinstance(d, dict | list) for d in docs):
        frames = [_mp_landmarks(path, d) for d in docs]
        return _finish_keypoints(path, frames, rate, size, "mediapipe33-json",
                                 from_video=bool(meta.get("from_video")))
    raise _err(path, "JSON layout not recognised", "use OpenPose JSON ('people'/'pose_keypoints_2d') or "
               "MediaPipe JSON ({'frames': [[33 landmarks with x, y, visibility], ...]})")


_WIDE = re.compile(r"^(?P<name>[a-z_]+?|\d+)_(?P<axis>x|y|z|visibility)$")


def read_keypoints_csv(path: str | Path, fps: float | None = None) -> KeypointTrial:
    """MediaPipe-33 landmarks as CSV, long (frame, landmark, x, y[, visibility]) or wide (<name>_x ...)."""
    path = Path(path)
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise _err(path, f"is not a readable CSV ({exc})", "export keypoints as CSV") from exc
    if not rows:
        raise _err(path, "has no data rows", "export at least one frame")
    cols = [c.strip().lower() for c in rows[0]]
    lowered = [{k.strip().lower(): v for k, v in r.items() if k is not None} for r in rows]
    frames: list[dict[str, tuple[float, float, float]]] = []
    times: list[float] = []

    def name_of(token: str) -> str | None:
        tok = token.strip().lower()
        if tok.isdigit() and int(tok) < 33:
            tok = MEDIAPIPE33[int(tok)]
        return _MP_CANON.get(tok)

    lm_col = next((c for c in ("landmark", "name", "id", "index", "landmark_id") if c in cols), None)
    if lm_col and "x" in cols and "y" in cols:
        frame_col = next((c for c in ("frame", "frame_idx", "frame_index") if c in cols), None)
        if frame_col is None:
            raise _err(path, "long-format CSV lacks a 'frame' column", "add a frame column")
        by_frame: dict[int, dict[str, tuple[float, float, float]]] = {}
        tmap: dict[int, float] = {}
        for r in lowered:
            f = int(float(r[frame_col]))
            n = name_of(r[lm_col])
            fr = by_frame.setdefault(f, {})
            if r.get("time"):
                tmap[f] = float(r["time"])
            if n and r["x"] and r["y"]:
                fr[n] = (float(r["x"]), float(r["y"]), float(r.get("visibility") or 1.0))
        keys = sorted(by_frame)
        frames = [by_frame[k] for k in keys]
        times = [tmap[k] for k in keys if k in tmap]
    else:
        mapping: dict[str, dict[str, str]] = {}
        for c in cols:
            m = _WIDE.match(c)
            if m:
                n = name_of(m.group("name"))
                if n:
                    mapping.setdefault(n, {})[m.group("axis")] = c
        if not mapping:
            raise _err(path, f"no MediaPipe landmark columns found (columns: {cols[:8]}...)",
                       "name columns like 'left_knee_x, left_knee_y' or use long format "
                       "'frame, landmark, x, y, visibility'")
        for r in lowered:
            fr = {}
            for n, ax in mapping.items():
                x, y = r.get(ax.get("x", ""), ""), r.get(ax.get("y", ""), "")
                if x and y:
                    fr[n] = (float(x), float(y), float(r.get(ax.get("visibility", ""), "") or 1.0))
            frames.append(fr)
            if r.get("time"):
                times.append(float(r["time"]))
    rate = fps
    if rate is None and len(times) == len(frames) and len(times) > 1:
        rate = float(1.0 / np.median(np.diff(times)))
    return _finish_keypoints(path, frames, rate, None, "mediapipe33-csv")


# ------------------------------------------------------------------------------------------- dispatch
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm"}


def load_trial(path: str | Path, fps: float | None = None) -> Trial:
    """Read any supported motion file by its suffix."""
    path = Path(path)
    if not path.exists():
        raise _err(path, "does not exist", "check the path")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".json":
        return read_keypoints_json(path, fps=fps)
    if suffix == ".c3d":
        return read_c3d(path)
    if suffix == ".trc":
        return read_trc(path)
    if suffix in (".mot", ".sto"):
        return read_mot(path)
    if suffix == ".csv":
        return read_keypoints_csv(path, fps=fps)
    if suffix in VIDEO_SUFFIXES:
        from kinchain.movement.video import video_to_keypoints

        return video_to_keypoints(path)
    if suffix == ".forces":
        raise _err(path, "is a force-plate file (Cortex .forces), not motion",
                   "analyse the marker file of the same trial and pass this one with --grf")
    raise _err(path, f"unknown file type '{suffix}'",
               "use .c3d, .trc, .mot, keypoint .json/.csv, a folder of OpenPose JSON, or a video")
