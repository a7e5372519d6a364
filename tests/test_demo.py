"""`make demo` runs `neurosym demo`: it must work and every learned program must verify."""

from neurosym.cli import main


def test_demo_runs_and_every_program_verifies(capsys):
    assert main(["demo", "--fast"]) == 0
    out = capsys.readouterr().out
    assert "labels reproduced: 11/11" in out
    assert out.count("verified;") >= 3 and "not verified" not in out
    assert "twice(x) = x x" in out and "jump = I_JUMP" in out
    assert "that use 'jump' in new ways: 100.00%" in out
