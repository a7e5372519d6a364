"""The ``percept`` line of a compositional task file: read, checked with located errors."""

import pytest

from neurosym.errors import TaskFileError
from neurosym.tasks import mnist
from neurosym.tasks.compositional import compositional_task_from_text

BASE = '''task tiny
grammar {
    phrase: word "twice" -> twice
          | word
    word: "dax" -> dax | "wif" -> wif
}
meaning {
    twice(x) = x x
    dax = RED
    wif = BLUE
}
enumerate all
'''


@pytest.fixture
def mnist_present(monkeypatch, tmp_path):
    for name in (mnist.IMAGES_FILE, mnist.LABELS_FILE):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv(mnist.MNIST_DATA_ENV, str(tmp_path))


def test_percept_line_is_read(mnist_present):
    task = compositional_task_from_text(BASE + "percept word from mnist {dax: 7, wif: 2}\n")
    (rule,) = task.perceived
    assert (rule.rule, rule.dataset, rule.classes) == ("word", "mnist", {"dax": 7, "wif": 2})
    assert "percept word from mnist {dax: 7, wif: 2}" in task.summary()


@pytest.mark.parametrize("line, message, column", [
    ("percept verb from mnist {dax: 0}", "unknown rule 'verb'", 9),
    ("percept word from cifar {dax: 0}", "unknown data set 'cifar'", 19),
    ("percept word from mnist {dax: 0, twice: 1}", "'twice' is not a word alternative", 34),
    ("percept word from mnist {dax: 0, wif: 0}", "class 0 stands for two words", 34),
    ("percept word from mnist {dax: 10}", "class 10 of 'dax'", 26),
    ("percept word from mnist {" + ", ".join(f"w{i}: {i}" for i in range(11)) + "}",
     "11 words but 'mnist' has 10 classes", 9),
])
def test_percept_errors_are_located(mnist_present, line, message, column):
    with pytest.raises(TaskFileError) as err:
        compositional_task_from_text(BASE + line + "\n")
    assert message in str(err.value)
    assert err.value.line == BASE.count("\n") + 1 and err.value.column == column


def test_missing_data_set_is_located(monkeypatch, tmp_path):
    monkeypatch.setattr(mnist, "mnist_candidates", lambda: [tmp_path])
    with pytest.raises(TaskFileError) as err:
        compositional_task_from_text(BASE + "percept word from mnist {dax: 0}\n")
    assert "data set 'mnist' is missing" in str(err.value) and err.value.column == 19
