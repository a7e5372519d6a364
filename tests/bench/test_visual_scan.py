"""bench/neurosym/visual_scan.py and percept_ceiling.py: the LSTM baseline runs on the same percept
sequences; the supervised ceiling trains on true labels and counts misread test images."""

import importlib.util
from pathlib import Path

import torch

from neurosym.concepts.percept import images_to_tensor
from neurosym.seq2seq.perceived_model import PerceptPool
from neurosym.tasks.compositional import compositional_task_from_text
from neurosym.tasks.mnist import synthetic_digits
from tests.concepts.test_perceived import TINY

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "neurosym" / "visual_scan.py"
TASK = TINY + "split random = random(train=0.8, seed=0)\n"


def _load(name: str):
    """The bench script ``bench/neurosym/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(name, SCRIPT.with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lstm_baseline_runs_on_percept_sequences():
    module = _load("visual_scan")
    pool = PerceptPool(*synthetic_digits(0, 10000), {"dax": 7, "wif": 2})
    task = compositional_task_from_text(TASK)
    rec = module.run_baseline(task, "random", 0, torch.device("cpu"), pool, 4,
                              {"hidden": "8", "layers": "1", "batch_size": "4"})
    assert rec["model"] == "lstm" and rec["steps"] == 4 and rec["test_lines"] == 4
    assert 0 <= rec["exact_match"] <= 100 and rec["train_lines"] == 16


def test_percept_ceiling_trains_each_network_on_true_labels_and_counts_misread_images():
    ceiling = _load("percept_ceiling")
    assert ceiling.seeds_from("0-3") == [0, 1, 2, 3] and ceiling.seeds_from("2,5") == [2, 5]
    raw, digits = synthetic_digits(0, 600)
    images, labels = images_to_tensor(raw), torch.tensor(digits.astype("int64"))
    four = [i for i in range(600) if digits[i] < 4]
    train, test = torch.tensor(four[:150]), torch.tensor(four[150:])
    untrained = ceiling.train_and_score(ceiling.NETWORKS["perceived"], images, labels, train,
                                        test, 0, 0, torch.device("cpu"))
    trained = ceiling.train_and_score(ceiling.NETWORKS["perceived"], images, labels, train,
                                      test, 40, 0, torch.device("cpu"))
    assert trained["test_images"] == len(test) and untrained["misread"] > len(test) // 2
    assert trained["misread"] <= len(test) // 20
    assert trained["accuracy"] == round(100 * (1 - trained["misread"] / len(test)), 2)
