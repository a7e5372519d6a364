"""SCAN data as JSON lines ({"commands": ..., "actions": ...}): written, read back, used by
splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neurosym.cli import main
from neurosym.errors import TaskFileError
from neurosym.tasks.examples import Example, read_scan_file, write_scan_file
from neurosym.tasks.scan import load_scan

PAIRS = [
    Example(("jump", "twice"), ("I_JUMP", "I_JUMP")),
    Example(("walk",), ("I_WALK",)),
    Example(("walk",), ("I_WALK",)),
]


def test_jsonl_round_trip_and_layout(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    write_scan_file(path, PAIRS)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"commands": "jump twice", "actions": "I_JUMP I_JUMP"}
    assert read_scan_file(path) == PAIRS  # order and repeats kept
    write_scan_file(tmp_path / "pairs.txt", read_scan_file(path))
    assert read_scan_file(tmp_path / "pairs.txt") == PAIRS


def test_a_bad_record_names_file_and_line(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"commands": "walk", "actions": "I_WALK"}\n{"commands": "walk"}\n')
    with pytest.raises(TaskFileError, match="commands' and 'actions'") as err:
        read_scan_file(path)
    assert "bad.jsonl:2" in str(err.value)


def test_generate_jsonl_matches_txt_and_feeds_the_splits(tmp_path: Path, capsys):
    txt, jsonl = tmp_path / "txt", tmp_path / "jsonl"
    assert main(["task", "generate", "scan/scan", "--out", str(txt)]) == 0
    assert main(["task", "generate", "scan/scan", "--out", str(jsonl), "--format", "jsonl"]) == 0
    manifest = json.loads((jsonl / "generate.json").read_text())
    assert manifest["format"] == "jsonl" and manifest["data_file"] == "tasks.jsonl"
    assert read_scan_file(jsonl / "tasks.jsonl") == read_scan_file(txt / "tasks.txt")
    for name, s in manifest["splits"].items():
        assert s["train_file"].endswith(".jsonl"), name
        txt_train = str(Path(s["train_file"]).with_suffix(".txt"))
        assert read_scan_file(jsonl / s["train_file"]) == read_scan_file(txt / txt_train)
    # a from_files split reads the .jsonl files when the .txt ones are absent
    files = manifest["splits"]["simple"]
    simple = load_scan().split("simple", jsonl)
    assert simple.note == f"official files from {jsonl}"
    assert simple.train == read_scan_file(jsonl / files["train_file"])
