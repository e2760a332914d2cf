"""Video -> 2D keypoints with MediaPipe Pose 0.10.14 (optional extra ``kinchain[video]``).

Only the legacy ``solutions.pose`` API with ``model_complexity=1`` is used: its weights
(pose_detection.tflite, pose_landmark_full.tflite) ship inside the mediapipe 0.10.14 wheel, so nothing is
downloaded at run time. Other complexities fetch weights from the network and are refused here.
Video-derived frontal-plane angles are flagged lower confidence downstream.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinchain.errors import MovementDataError
from kinchain.movement.readers import KP_NAMES, OPENPOSE_LAYOUTS
from kinchain.movement.trial import KeypointTrial

MODEL_COMPLEXITY = 1  # the only complexity whose weights ship in the wheel


def _bundled_weights() -> list[Path]:
    import mediapipe

    root = Path(mediapipe.__file__).parent / "modules"
    return [root / "pose_detection" / "pose_detection.tflite", root / "pose_landmark" / "pose_landmark_full.tflite"]


def video_to_keypoints(path: str | Path, max_frames: int | None = None, stride: int = 1) -> KeypointTrial:
    """Run MediaPipe Pose on every ``stride``-th frame (up to ``max_frames``); pixel coordinates."""
    path = Path(path)
    try:
        import cv2
        import mediapipe as mp
    except ImportError as exc:
        raise MovementDataError(f"{path}: video analysis needs the video extra. Fix: pip install "
                                "'kinchain[video]' (mediapipe==0.10.14)") from exc
    missing = [str(p) for p in _bundled_weights() if not p.exists()]
    if missing:
        raise MovementDataError(f"{path}: the installed mediapipe lacks its bundled pose weights {missing}. Fix: "
                                "pip install mediapipe==0.10.14 (later versions need a downloaded model)")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise MovementDataError(f"{path}: cannot open the video. Fix: convert it to H.264 .mp4")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 30.0)
    width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
    idx = OPENPOSE_LAYOUTS[33][1]
    names = list(KP_NAMES)
    pts_list: list[np.ndarray] = []
    conf_list: list[np.ndarray] = []
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=MODEL_COMPLEXITY,
                                enable_segmentation=False, min_detection_confidence=0.5) as pose:
        frame_no = 0
        while True:
            ok, frame = cap.read()
            if not ok or (max_frames is not None and len(pts_list) >= max_frames):
                break
            frame_no += 1
            if (frame_no - 1) % stride:
                continue
            res = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            p = np.full((len(names), 2), np.nan)
            c = np.zeros(len(names))
            if res.pose_landmarks is not None:
                lms = res.pose_landmarks.landmark
                for j, n in enumerate(names):
                    lm = lms[idx[n]]
                    p[j] = (lm.x * width, lm.y * height)
                    c[j] = lm.visibility
            pts_list.append(p)
            conf_list.append(c)
    cap.release()
    if not pts_list:
        raise MovementDataError(f"{path}: the video has no readable frames. Fix: check the file")
    detected = float(np.mean([np.isfinite(p).all() for p in pts_list]))
    return KeypointTrial(path=path, names=names, points=np.stack(pts_list), confidence=np.stack(conf_list),
                         rate=fps / stride, source_format="video-mediapipe-0.10.14", from_video=True,
                         notes=[f"video keypoints by MediaPipe Pose (complexity {MODEL_COMPLEXITY}, bundled weights); "
                                f"person detected in {detected:.0%} of {len(pts_list)} frames"])
