"""`neurosym task generate` / `neurosym scan generate` write the data set and splits in SCAN
format."""

from __future__ import annotations

import json
from collections import Counter

from neurosym.cli import main
from neurosym.tasks import default_scan_data_dir, load_compositional_task, read_scan_file


def test_task_generate(tmp_path, capsys):
    assert main(["task", "generate", "fewshot/colours", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "colours: 600 examples" in out
    task = load_compositional_task("fewshot/colours")
    assert read_scan_file(tmp_path / "tasks.txt") == task.generate()
    assert len(read_scan_file(tmp_path / "fewshot_split/tasks_train_fewshot.txt")) == 14
    assert len(read_scan_file(tmp_path / "fewshot_split/tasks_test_fewshot.txt")) == 10
    manifest = json.loads((tmp_path / "generate.json").read_text())
    assert manifest["splits"]["zup"]["test"] == 359
    assert not list(tmp_path.rglob("*.tmp"))


def test_scan_generate(tmp_path, capsys):
    data = default_scan_data_dir()
    assert main(["scan", "generate", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "scan: 20,910 examples" in out
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.txt"))
    assert len(names) == 17 and "add_prim_split/tasks_train_addprim_jump.txt" in names
    manifest = json.loads((tmp_path / "generate.json").read_text())
    for split in manifest["splits"].values():  # what was written is what the manifest says
        assert len((tmp_path / split["train_file"]).read_text().splitlines()) == split["train"]
    # (tests/tasks/test_scan.py compares every split with the official files; here two of them)
    if data is not None:
        for name in (
            "simple_split/tasks_test_simple.txt",
            "add_prim_split/tasks_train_addprim_jump.txt",
        ):
            assert Counter(read_scan_file(tmp_path / name)) == Counter(
                read_scan_file(data / name)
            ), name
        assert "official files from" in out


def test_task_generate_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.task"
    bad.write_text('grammar {\n    s: "a"\n}\n')
    assert main(["task", "generate", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bad.task:2:" in err and "has no name" in err
