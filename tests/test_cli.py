"""The command line: help, version, task check (ok and error paths), no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from neurosym import __version__
from neurosym.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("task", "ilp", "scan", "demo"):
        assert word in out


def test_task_check_bundled_ilp_task(capsys):
    assert main(["task", "check", "ilp/even"]) == 0
    out = capsys.readouterr().out.strip()
    assert "ok" in out and "target even/1" in out and len(out.splitlines()) == 1


def test_task_check_error_is_clear_and_nonzero(tmp_path, capsys):
    bad = tmp_path / "bad.task"
    bad.write_text("target p/1\nbackground { q(a). }\npositive { p(a).\n  r(b). }\n")
    assert main(["task", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:4:3:" in err and "^" in err and "fix:" in err and "Traceback" not in err


def test_console_entry_point_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.task"
    bad.write_text("target p/1\nbackground { q(a) }\n")
    proc = subprocess.run(
        [sys.executable, "-m", "neurosym", "task", "check", str(bad)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "syntax error" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_file_is_a_clear_error(capsys):
    assert main(["task", "check", "no/such/task"]) == 1
    assert "no task file" in capsys.readouterr().err


def test_task_check_reads_a_popper_folder(capsys):
    from pathlib import Path

    folder = Path(__file__).parent / "tasks" / "data" / "popper_grandparent"
    assert main(["task", "check", str(folder)]) == 0
    assert "Popper folder read as ILP task" in capsys.readouterr().out
