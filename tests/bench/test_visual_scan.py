"""bench/neurosym/visual_scan.py: the LSTM baseline runs on the same percept sequences."""

import importlib.util
from pathlib import Path

import torch

from neurosym.seq2seq.perceived_model import PerceptPool
from neurosym.tasks.compositional import compositional_task_from_text
from neurosym.tasks.mnist import synthetic_digits
from tests.concepts.test_perceived import TINY

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "neurosym" / "visual_scan.py"
TASK = TINY + "split random = random(train=0.8, seed=0)\n"


def test_lstm_baseline_runs_on_percept_sequences():
    spec = importlib.util.spec_from_file_location("visual_scan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pool = PerceptPool(*synthetic_digits(0, 10000), {"dax": 7, "wif": 2})
    task = compositional_task_from_text(TASK)
    rec = module.run_baseline(task, "random", 0, torch.device("cpu"), pool, 4,
                              {"hidden": "8", "layers": "1", "batch_size": "4"})
    assert rec["model"] == "lstm" and rec["steps"] == 4 and rec["test_lines"] == 4
    assert 0 <= rec["exact_match"] <= 100 and rec["train_lines"] == 16
