"""In-memory shapes of motion data after reading.

- :class:`MarkerTrial`: 3D marker trajectories in millimetres, shape (frames, markers, 3), NaN where a
  marker is not seen.
- :class:`KeypointTrial`: 2D keypoints in image coordinates (x right, y down), shape (frames, points, 2),
  NaN where a point is not detected, with per-point confidence.
- :class:`CoordinateTrial`: generalised coordinates already computed by a model (OpenSim .mot), in
  degrees for rotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass
class MarkerTrial:
    path: Path
    labels: list[str]
    points: FloatArray  # (n_frames, n_markers, 3), millimetres
    rate: float
    source_format: str
    notes: list[str] = field(default_factory=list)
    forces: ForceRecord | None = None  # force plates stored in the same file (C3D FORCE_PLATFORM)

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])

    def marker(self, label: str) -> FloatArray:
        return self.points[:, self.labels.index(label), :]

    def has(self, label: str, min_valid: float = 0.5) -> bool:
        """The marker exists and is seen in at least ``min_valid`` of the frames."""
        if label not in self.labels:
            return False
        xyz = self.marker(label)
        return bool(np.isfinite(xyz).all(axis=1).mean() >= min_valid)


@dataclass
class KeypointTrial:
    path: Path
    names: list[str]
    points: FloatArray  # (n_frames, n_points, 2), pixels (x right, y down)
    confidence: FloatArray  # (n_frames, n_points), 0..1
    rate: float
    source_format: str
    from_video: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])

    def point(self, name: str) -> FloatArray:
        return self.points[:, self.names.index(name), :]


@dataclass
class CoordinateTrial:
    path: Path
    time: FloatArray
    columns: dict[str, FloatArray]
    in_degrees: bool
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        if self.time.size < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.time)))

    @property
    def n_frames(self) -> int:
        return int(self.time.size)


Trial = MarkerTrial | KeypointTrial | CoordinateTrial


@dataclass
class ForceRecord:
    """Vertical ground reaction force channels of a force file on the motion trial's clock (s from 0).

    A channel is one foot (OpenSim .mot with R_/L_ columns: ``side`` known) or one force plate (lab
    exports such as Cortex .forces: ``side`` None, the foot is found from the centre of pressure)."""

    path: Path
    time: FloatArray
    vertical: dict[str, FloatArray]  # channel -> vertical force (N), positive while loaded
    side: dict[str, str | None]
    cop: dict[str, FloatArray]  # channel -> (samples, 3) centre of pressure in the lab frame (mm)
    vertical_axis: int | None = None  # lab axis (0, 1, 2) of the vertical force when the file says it
