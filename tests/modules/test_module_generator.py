"""bin/make-videos rebuilds a module's video, captions, transcript and duration from its script."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from module_pack import load_module

from modules.captions import parse_vtt
from modules.catalogue import CONTENT_DIR

GENERATOR = Path(__file__).resolve().parents[2] / "bin" / "make-videos"
TOOLS = ("espeak-ng", "ffmpeg", "ffprobe")


def test_help_explains_the_generator() -> None:
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--help"], capture_output=True, text=True, check=True
    )
    assert "espeak-ng" in run.stdout and "module-id" in run.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="needs espeak-ng, ffmpeg and ffprobe (Debian: apt-get install espeak-ng ffmpeg)",
)
def test_regenerating_one_module_rewrites_its_media_and_duration(tmp_path: Path) -> None:
    folder = shutil.copytree(CONTENT_DIR / "primary-boundaries", tmp_path / "primary-boundaries")
    for generated in ("video.mp4", "captions.en.vtt", "transcript.en.md"):
        (folder / generated).unlink()
    yaml_file = folder / "module.yaml"
    yaml_file.write_text(
        re.sub(r"(?m)^duration_seconds:.*$", "duration_seconds: 1", yaml_file.read_text("utf-8")),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--content-dir", str(tmp_path), "primary-boundaries"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "primary-boundaries:" in run.stdout and "splits a sentence" not in run.stdout
    module = load_module(yaml_file)  # every file it names exists again
    shipped = load_module(CONTENT_DIR / "primary-boundaries" / "module.yaml")
    assert module.duration_seconds == pytest.approx(shipped.duration_seconds, abs=1.0)
    cues = parse_vtt((folder / "captions.en.vtt").read_text("utf-8"))
    assert cues[-1].end == pytest.approx(module.duration_seconds, abs=1.0)


def test_unknown_module_id_is_refused(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--content-dir", str(tmp_path), "no-such-module"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "no module folder for: no-such-module" in run.stderr
