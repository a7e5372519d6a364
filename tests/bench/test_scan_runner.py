"""``neurosym scan run`` end to end on a tiny split: JSON fields, run folders, resume, eval-only,
CLI."""

from __future__ import annotations

import importlib.util
import json

import pytest
import torch

from neurosym.bench.scan_runner import RunSettings, load_split, load_task, mean_std, run_scan
from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.tasks.examples import write_scan_file

TINY_LSTM = {"hidden": 16, "layers": 1, "dropout": 0.0, "batch_size": 8}
SUMMARY_FIELDS = {
    "split",
    "model",
    "seeds",
    "test_accuracy",
    "train_accuracy",
    "steps",
    "seconds",
    "device",
    "versions",
    "command",
    "train_convention",
    "split_note",
    "runs",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A miniature 'simple' split in the official layout: 60 short SCAN commands for train, 20 for
    test."""
    task = load_task(None)
    short = [e for e in task.generate() if len(e.input) <= 3][:80]
    assert len(short) == 80
    root = tmp_path_factory.mktemp("scan")
    write_scan_file(root / "simple_split" / "tasks_train_simple.txt", short[:60])
    write_scan_file(root / "simple_split" / "tasks_test_simple.txt", short[60:])
    return root


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _settings(data_dir, out, **kw) -> RunSettings:
    base = {
        "split": "simple",
        "model": "lstm",
        "seeds": 1,
        "steps": 12,
        "device": "cpu",
        "data": str(data_dir),
        "out": str(out),
        "options": dict(TINY_LSTM),
        "train_eval": 10,
        "checkpoint_every": 5,
        "log_every": 4,
        "progress": False,
    }
    base.update(kw)
    return RunSettings(**base)


def test_runner_writes_summary_json_and_run_folders(data_dir, tmp_path, capsys):
    summary = run_scan(
        _settings(data_dir, tmp_path / "runs", seeds=2, json=str(tmp_path / "s.json"))
    )
    on_disk = json.loads((tmp_path / "s.json").read_text())
    assert on_disk == json.loads((tmp_path / "runs" / "simple-lstm.json").read_text())
    assert SUMMARY_FIELDS <= set(on_disk)
    assert on_disk["seeds"] == [0, 1] and on_disk["steps"] == 12
    assert on_disk["split_note"].startswith("official files from")
    acc = on_disk["test_accuracy"]
    assert len(acc["per_seed"]) == 2 and acc["mean"] == pytest.approx(sum(acc["per_seed"]) / 2)
    assert set(on_disk["versions"]) >= {"neurosym", "torch", "python"}
    assert on_disk["device"].startswith("cpu")
    for seed in (0, 1):
        folder = tmp_path / "runs" / f"simple-lstm-seed{seed}"
        config = json.loads((folder / "config.json").read_text())
        assert config["seed"] == seed and config["options"] == TINY_LSTM
        lines = [json.loads(x) for x in (folder / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in lines if "event" not in r] == [4, 8, 12]
        assert lines[-1]["event"] == "eval"
        assert (folder / "checkpoint" / "checkpoint.safetensors").exists()
        assert json.loads((folder / "result.json").read_text())["steps"] == 12
        if importlib.util.find_spec("matplotlib") is not None:  # the optional 'plot' extra
            assert (folder / "learning_curve.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "mean of 2" in out and "repeated lines kept" in out
    assert summary["test_accuracy"]["per_seed"] == on_disk["test_accuracy"]["per_seed"]


def test_resume_continues_from_checkpoint_like_an_uninterrupted_run(data_dir, tmp_path):
    straight = run_scan(_settings(data_dir, tmp_path / "a", steps=20))
    run_scan(
        _settings(data_dir, tmp_path / "b", steps=10)
    )  # "interrupted" at step 10 (checkpointed)
    with pytest.raises(NeurosymError, match="--resume"):
        run_scan(_settings(data_dir, tmp_path / "b", steps=20))
    resumed = run_scan(_settings(data_dir, tmp_path / "b", steps=20, resume=True))
    r = resumed["runs"][0]
    assert r["resumed_from_step"] == 10 and r["steps"] == 20
    assert r["final_loss"] == pytest.approx(straight["runs"][0]["final_loss"], rel=1e-6)
    assert r["test_accuracy"] == straight["runs"][0]["test_accuracy"]
    # a finished run is reused by --resume, not retrained
    again = run_scan(_settings(data_dir, tmp_path / "b", steps=20, resume=True))
    assert again["runs"][0]["train_seconds"] == r["train_seconds"]
    with pytest.raises(NeurosymError, match="different options"):
        run_scan(
            _settings(
                data_dir, tmp_path / "b", steps=20, resume=True, options={**TINY_LSTM, "hidden": 8}
            )
        )


def test_eval_only_reproduces_the_trained_result(data_dir, tmp_path):
    trained = run_scan(
        _settings(
            data_dir,
            tmp_path / "runs",
            model="transformer",
            options={"d_model": 16, "heads": 2, "layers": 1, "ff": 32, "batch_size": 8},
        )
    )
    folder = tmp_path / "runs" / "simple-transformer-seed0"
    evaluated = run_scan(
        RunSettings(
            split=None,
            eval_only=str(folder / "checkpoint"),
            device="cpu",
            data=str(data_dir),
            train_eval=10,
            out=str(tmp_path / "unused"),
        )
    )
    assert evaluated["eval_only"] is True and evaluated["model"] == "transformer"
    assert evaluated["test_accuracy"]["per_seed"] == trained["test_accuracy"]["per_seed"]
    assert (folder / "eval-simple.json").exists()


def test_cli_scan_run_and_errors(data_dir, tmp_path, capsys):
    args = [
        "scan",
        "run",
        "--split",
        "simple",
        "--model",
        "gru",
        "--steps",
        "3",
        "--device",
        "cpu",
        "--data",
        str(data_dir),
        "--out",
        str(tmp_path / "cli"),
        "--train-eval",
        "5",
        "--batch-size",
        "4",
        "-o",
        "hidden=8",
        "-o",
        "layers=1",
    ]
    assert main(args) == 0
    summary = json.loads((tmp_path / "cli" / "simple-gru.json").read_text())
    assert summary["options"] == {"hidden": 8, "layers": 1, "batch_size": 4}
    assert isinstance(summary["command"], str) and summary["command"]
    assert (
        main(["scan", "run", "--split", "nosuch", "--device", "cpu", "--out", str(tmp_path / "x")])
        == 1
    )
    err = capsys.readouterr().err
    assert "no split 'nosuch'" in err and "addprim_jump" in err
    assert (
        main(
            ["scan", "run", "--split", "simple", "--model", "nosuch", "--out", str(tmp_path / "x")]
        )
        == 1
    )
    assert "unknown model" in capsys.readouterr().err


def test_scan_run_help_is_generated_from_the_settings(capsys):
    with pytest.raises(SystemExit):
        main(["scan", "run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text and text.count("(default: 1000)") == 1
    assert "--first-seed FIRST_SEED the first seed (default: 0)" in text
    assert "--batch-size BATCH_SIZE training batch size (default: the model's;" in text
    assert "--split SPLIT simple, length" in text and "required unless --eval-only" in text
    assert "hidden (200): units per recurrent layer" in text  # the models' options, from configs
    assert "restarts (8): independent soft models trained at once" in text
    with pytest.raises(NeurosymError, match="RunSettings.seeds must be at least 1, got 0"):
        RunSettings(split="simple", seeds=0)


def test_add_primitive_repeats_kept_by_default(tmp_path):
    task = load_task(None)
    train, _, info = load_split(task, "addprim_jump", str(tmp_path), dedupe=False)
    assert sum(e.input == ("jump",) for e in train) == 1467 and len(train) == 14670
    assert "kept" in info["train_convention"]
    train, _, info = load_split(task, "addprim_jump", str(tmp_path), dedupe=True)
    assert sum(e.input == ("jump",) for e in train) == 1 and len(train) == 13204


def test_mean_std():
    assert mean_std([0.5]) == (0.5, 0.0)
    m, s = mean_std([0.0, 1.0])
    assert m == 0.5 and s == pytest.approx(0.7071, abs=1e-4)


def test_scan_run_under_torchrun_equals_single_process(data_dir, tmp_path):
    """Seeds split across 2 gloo processes give the same per-seed results as one process."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = [
        "-m",
        "neurosym",
        "scan",
        "run",
        "--split",
        "simple",
        "--model",
        "gru",
        "--seeds",
        "2",
        "--steps",
        "6",
        "--device",
        "cpu",
        "--data",
        str(data_dir),
        "--train-eval",
        "5",
        "--batch-size",
        "4",
        "-o",
        "hidden=8",
        "-o",
        "layers=1",
        "--threads",
        "1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = {}
    for name, prefix in (
        (
            "two",
            ["-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(port)],
        ),
        ("one", []),
    ):
        cmd = [
            sys.executable,
            *prefix,
            *base,
            "--out",
            str(tmp_path / name),
            "--json",
            str(tmp_path / f"{name}.json"),
        ]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=300, check=False
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[name] = json.loads((tmp_path / f"{name}.json").read_text())
    assert out["two"]["processes"] == 2 and out["one"]["processes"] == 1
    assert out["two"]["seeds"] == out["one"]["seeds"] == [0, 1]
    assert out["two"]["test_accuracy"] == out["one"]["test_accuracy"]
    assert out["two"]["train_accuracy"] == out["one"]["train_accuracy"]
