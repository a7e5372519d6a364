"""``neurosym scan run`` on a task file with a ``percept`` line: the perceived model is trained
(never silently the word model), and the encoder's accuracy and assignment are reported."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import torch

from neurosym.bench.scan_runner import RunSettings, run_scan
from neurosym.concepts.percept import DigitCNN
from neurosym.errors import NeurosymError
from neurosym.seq2seq import perceived_model
from neurosym.tasks import mnist
from tests.concepts.test_perceived import TINY

# the tiny grammar with 'after' and 'thrice': 78 commands, enough lines to train the encoder on
TASK = (TINY.replace("           | phrase\n",
                     "           | phrase \"after\" phrase -> after\n           | phrase\n")
        .replace("          | word\n", "          | word \"thrice\" -> thrice\n          | word\n")
        .replace("    twice(x) = x x\n", "    twice(x) = x x\n    thrice(x) = x x x\n"
                 "    after(x, y) = y x\n")
        + "percept word from mnist {dax: 7, wif: 2}\nsplit random = random(train=0.8, seed=0)\n")


def _write_idx(path, magic: int, array: np.ndarray) -> None:
    header = [magic, len(array), *array.shape[1:]]
    raw = b"".join(int(x).to_bytes(4, "big") for x in header) + array.tobytes()
    path.write_bytes(gzip.compress(raw, compresslevel=1))


@pytest.fixture()
def task_file(tmp_path, monkeypatch):
    """The task above, and a stand-in MNIST folder of synthetic digit images."""
    images, labels = mnist.synthetic_digits(0, 10000)
    _write_idx(tmp_path / mnist.IMAGES_FILE, 2051, images)
    _write_idx(tmp_path / mnist.LABELS_FILE, 2049, labels)
    monkeypatch.setenv(mnist.MNIST_DATA_ENV, str(tmp_path))
    path = tmp_path / "seen.task"
    path.write_text(TASK)
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield path
    torch.set_num_threads(old)


OPTIONS = {"restarts": 4, "joint_pairs": 40, "joint_steps": 60, "epochs": 10, "batch": 16}


def _settings(task_file, out, **kw) -> RunSettings:
    base = {"split": "random", "model": "neurosym", "task": str(task_file), "device": "cpu",
            "out": str(out), "options": dict(OPTIONS), "train_eval": 10, "progress": False}
    return RunSettings(**{**base, **kw})


def test_percept_task_trains_the_percept_model_and_reports_the_encoder(task_file, tmp_path,
                                                                       capsys, monkeypatch):
    summary = run_scan(_settings(task_file, tmp_path / "runs"))
    (run,) = summary["runs"]
    extra = run["fit_extra"]
    assert extra["perceived"] == "percept word from mnist {dax: 7, wif: 2}"
    assert extra["encoder_accuracy"] > 0.95 and extra["test_images"] > 300
    # each word's class reached a row that means that word's colour (which row is arbitrary)
    rules = extra["rules"]
    assert {w: rules[row].split(" = ")[1] for w, row in extra["match"].items()} == {
        "dax": "RED", "wif": "BLUE"}
    assert rules["thrice"] == "thrice(x) = x x x"
    assert run["test_accuracy"] == 1.0 and extra["indistinct"] == []
    out = capsys.readouterr().out
    assert "encoder accuracy" in out and "dax (class 7) ->" in out
    on_disk = json.loads((tmp_path / "runs" / "random-neurosym.json").read_text())
    assert on_disk["runs"][0]["fit_extra"]["assignment"] == extra["assignment"]
    # the checkpoint holds the encoder and the program: --eval-only reproduces the test score
    again = run_scan(_settings(task_file, tmp_path / "runs", split=None,
                               eval_only=str(tmp_path / "runs" / "random-neurosym-seed0")))
    assert again["test_accuracy"]["per_seed"] == [run["test_accuracy"]]
    # a checkpoint of another percept network is refused by name, not with a torch traceback
    monkeypatch.setattr(perceived_model, "percept_network", lambda out=84: DigitCNN(out))
    with pytest.raises(NeurosymError, match="do not fit this version's percept network"):
        run_scan(_settings(task_file, tmp_path / "runs", split=None,
                           eval_only=str(tmp_path / "runs" / "random-neurosym-seed0")))


def test_word_models_refuse_a_percept_task(task_file, tmp_path):
    with pytest.raises(NeurosymError, match="perceives words"):
        run_scan(_settings(task_file, tmp_path / "runs", model="lstm", options={}))
