"""--logger: metrics.jsonl always; csv adds metrics.csv; tensorboard adds scalars (optional
extra)."""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path
from typing import ClassVar

import pytest

from neurosym.bench.run_folder import TENSORBOARD_MISSING, RunFolder
from neurosym.cli import main
from neurosym.errors import NeurosymError

LINES = [
    {"step": 1, "loss": 2.0},
    {"step": 2, "loss": 1.5, "acc": 0.25},
    {"event": "eval", "step": 2, "test_accuracy": 0.5, "per_length": {"3": 1.0}},
]


def _csv(folder: RunFolder) -> list[dict[str, str]]:
    return list(csv.DictReader((folder.path / "metrics.csv").open(encoding="utf-8")))


def test_csv_logger_widens_its_header_and_follows_truncation(tmp_path: Path):
    folder = RunFolder(tmp_path / "run", "csv")
    for line in LINES:
        folder.append_metrics(line)
    rows = _csv(folder)
    assert list(rows[0]) == ["step", "loss", "acc", "event", "test_accuracy", "per_length"]
    assert [r["loss"] for r in rows] == ["2.0", "1.5", ""] and rows[1]["acc"] == "0.25"
    assert json.loads(rows[2]["per_length"]) == {"3": 1.0}
    assert folder.read_metrics() == LINES  # metrics.jsonl is unchanged by the logger
    folder.truncate_metrics(1)  # a resume drops the later lines from both files
    assert [r["step"] for r in _csv(folder)] == ["1"]
    again = RunFolder(folder.path, "csv")  # a resumed run appends to the existing table
    again.append_metrics({"step": 2, "loss": 1.0})
    assert [r["loss"] for r in _csv(again)] == ["2.0", "1.0"]


def test_jsonl_logger_writes_nothing_else(tmp_path: Path):
    folder = RunFolder(tmp_path / "run")
    folder.append_metrics(LINES[0])
    assert sorted(p.name for p in folder.path.iterdir()) == ["metrics.jsonl"]
    with pytest.raises(NeurosymError, match="--logger must be one of"):
        RunFolder(tmp_path / "x", "wandb")


class _FakeWriter:
    made: ClassVar[list[_FakeWriter]] = []

    def __init__(self, log_dir: str) -> None:
        self.log_dir, self.scalars, self.flushes = log_dir, [], 0
        _FakeWriter.made.append(self)

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.scalars.append((tag, value, step))

    def flush(self) -> None:
        self.flushes += 1


def test_tensorboard_logger_writes_scalars(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(
        sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=_FakeWriter)
    )
    _FakeWriter.made.clear()
    folder = RunFolder(tmp_path / "run", "tensorboard")
    for line in LINES:
        folder.append_metrics(line)
    (writer,) = _FakeWriter.made
    assert writer.log_dir == str(folder.path / "tensorboard")
    assert writer.scalars == [
        ("loss", 2.0, 1),
        ("loss", 1.5, 2),
        ("acc", 0.25, 2),
        ("eval/test_accuracy", 0.5, 2),
    ]
    assert writer.flushes == 3


def test_missing_tensorboard_names_the_extra(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    with pytest.raises(NeurosymError, match=r"pip install 'neurosym\[tensorboard\]'"):
        RunFolder(tmp_path / "run", "tensorboard")
    out = tmp_path / "learn"
    code = main(
        [
            "ilp",
            "learn",
            "ilp/predecessor",
            "--device",
            "cpu",
            "--quiet",
            "--out",
            str(out),
            "--logger",
            "tensorboard",
        ]
    )
    assert code == 1 and TENSORBOARD_MISSING in capsys.readouterr().err
    assert not out.exists()  # refused before anything was written


def test_ilp_learn_csv_logger(tmp_path: Path, capsys):
    out = tmp_path / "learn"
    main(
        [
            "ilp",
            "learn",
            "ilp/predecessor",
            "--device",
            "cpu",
            "--quiet",
            "--steps",
            "30",
            "--out",
            str(out),
            "--logger",
            "csv",
        ]
    )
    folder = RunFolder(out)
    rows = list(csv.DictReader((out / "metrics.csv").open(encoding="utf-8")))
    assert [int(r["step"]) for r in rows] == [m["step"] for m in folder.read_metrics()]
    assert rows and "loss" in rows[0]


def test_scan_run_csv_logger(tmp_path: Path):
    from neurosym.bench.scan_runner import load_task
    from neurosym.tasks.examples import write_scan_file

    pairs = [e for e in load_task(None).generate() if len(e.input) <= 2][:20]
    split = tmp_path / "data" / "simple_split"
    write_scan_file(split / "tasks_train_simple.txt", pairs[:15])
    write_scan_file(split / "tasks_test_simple.txt", pairs[15:])
    assert (
        main(
            [
                "scan",
                "run",
                "--split",
                "simple",
                "--steps",
                "6",
                "--device",
                "cpu",
                "--data",
                str(tmp_path / "data"),
                "--out",
                str(tmp_path / "runs"),
                "--log-every",
                "2",
                "--train-eval",
                "5",
                "-o",
                "hidden=8",
                "-o",
                "layers=1",
                "--logger",
                "csv",
            ]
        )
        == 0
    )
    folder = RunFolder(tmp_path / "runs" / "simple-lstm-seed0")
    rows = list(csv.DictReader((folder.path / "metrics.csv").open(encoding="utf-8")))
    assert len(rows) == len(folder.read_metrics()) >= 3
    assert rows[-1]["event"] == "eval" and rows[-1]["test_accuracy"] != ""
