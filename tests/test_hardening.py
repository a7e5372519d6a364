"""Regression tests of issue #20: every bad input ends in a NeurosymError (or a clear CLI
error), never a traceback, hang, silent wrong result or lost work."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import torch

from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.ilp.config import LearnerConfig
from neurosym.io import check_output, confine, read_text
from neurosym.logic.terms import Atom, Const
from neurosym.resources import find_task, tasks_dir
from neurosym.tasks.check import check_task_file
from neurosym.tasks.ilp_types import ILPTask, World

EVEN = (tasks_dir() / "ilp" / "even.task").read_text(encoding="utf-8")
GENERATOR = "succ(X, X+1) for X in 0..9."


def _task_file(tmp_path: Path, text: str | bytes, name: str = "t.task") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- security
@pytest.mark.parametrize("name", ["ilp/../../x", "ilp/../ilp/even", "e*n", "ilp/e?en",
                                  "ilp/[e]ven", "/nonexistent/even", "~/even", ""])
def test_bundled_names_are_plain_names(name):
    with pytest.raises(NeurosymError, match="no task file"):
        find_task(name)


def test_bundled_names_still_found():
    assert find_task("ilp/even").name == "even.task"
    assert find_task("even") == find_task("ilp/even.task")


COMPOSITIONAL = """task leak
grammar {
    s: "a" -> a
}
meaning {
    a = A
}
enumerate all
"""


@pytest.mark.parametrize("line, fragment", [
    ('split x = from_files("../../../etc/passwd", "b.txt")', "goes up a folder"),
    ('split x = from_files("/etc/passwd", "b.txt")', "is absolute"),
    ('data "/etc"\nsplit x = from_files("passwd", "hostname")', "is absolute"),
    ('data "../.."\nsplit x = from_files("a.txt", "b.txt")', "goes up a folder"),
])
def test_task_file_paths_are_confined(tmp_path, line, fragment):
    with pytest.raises(NeurosymError, match=fragment):
        check_task_file(_task_file(tmp_path, COMPOSITIONAL + line + "\n"))


def test_symbolic_link_out_of_the_data_folder_is_refused(tmp_path):
    from neurosym.tasks.compositional import load_compositional_task

    secret = tmp_path / "secret.txt"
    secret.write_text("IN: a OUT: A\n")
    (tmp_path / "task" / "d").mkdir(parents=True)
    (tmp_path / "task" / "d" / "a.txt").symlink_to(secret)
    path = _task_file(tmp_path / "task", COMPOSITIONAL + 'data "d"\nsplit x = from_files("a.txt", '
                      '"a.txt")\n')
    task = load_compositional_task(path)
    with pytest.raises(NeurosymError, match="symbolic link"):
        task.split("x")
    with pytest.raises(NeurosymError, match="goes up"):
        confine(tmp_path, "../x", what="file")


# -------------------------------------------------------------------- one reading path
@pytest.mark.parametrize("content, fragment", [
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (b"", "syntax error|no task|task"),
])
def test_bad_bytes_are_neurosym_errors(tmp_path, content, fragment):
    with pytest.raises(NeurosymError, match=fragment):
        check_task_file(_task_file(tmp_path, content))


def test_byte_order_mark_is_read(tmp_path):
    assert "ok" in check_task_file(_task_file(tmp_path, b"\xef\xbb\xbf" + EVEN.encode()))


def test_reading_a_folder_or_missing_file(tmp_path):
    with pytest.raises(NeurosymError, match="is a folder"):
        read_text(tmp_path, what="task file")
    with pytest.raises(NeurosymError, match="no such file"):
        read_text(tmp_path / "missing.task", what="task file")


def test_deep_nesting_is_a_neurosym_error(tmp_path):
    deep = EVEN.replace(GENERATOR, "succ(X, X" + "+1" * 20_000 + ") for X in 0..0.")
    with pytest.raises(NeurosymError, match="nested too deeply"):
        check_task_file(_task_file(tmp_path, deep))
    folder = tmp_path / "pop"
    folder.mkdir()
    (folder / "bk.pl").write_text("f(a).\n")
    (folder / "exs.pl").write_text("pos(f(" + "g(" * 5000 + "a" + ")" * 5000 + ")).\n")
    (folder / "bias.pl").write_text("head_pred(f,1).\nbody_pred(g,1).\n")
    with pytest.raises(NeurosymError, match="nested too deeply"):
        check_task_file(folder)


@pytest.mark.parametrize("files, missing", [((), "bias.pl"), (("bk.pl", "bias.pl"), "exs.pl")])
def test_incomplete_popper_folder_names_the_missing_file(tmp_path, files, missing):
    for name in files:
        (tmp_path / name).write_text("head_pred(f,1).\n" if name == "bias.pl" else "f(a).\n")
    with pytest.raises(NeurosymError, match=f"{missing}: no such file"):
        check_task_file(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\x00" * 7, b"not a safetensors file"])
def test_bad_checkpoints_are_neurosym_errors(tmp_path, content):
    from neurosym.bench.scan_runner import load_task
    from neurosym.seq2seq.base import make_learner

    (tmp_path / "checkpoint.safetensors").write_bytes(content)
    learner = make_learner("lstm", task=load_task(None), device="cpu", seed=0, hidden=8)
    with pytest.raises(NeurosymError, match="checkpoint"):
        learner.load_checkpoint(tmp_path)


# ------------------------------------------------------------------- ranges and limits
@pytest.mark.parametrize("generator, fragment", [
    ("succ(X, X+1) for X in 0..9 step 0.", "step 0 in a range"),
    ("succ(X, X+1) for X in 5..0.", "empty range 5..0"),
    ("succ(X, Y) for X in 0..100000, Y in 0..100000.", "10,000,200,001 values"),
])
def test_generators_are_checked_before_expanding(tmp_path, generator, fragment):
    start = time.perf_counter()
    with pytest.raises(NeurosymError, match=fragment) as info:
        check_task_file(_task_file(tmp_path, EVEN.replace(GENERATOR, generator)))
    assert ":19:" in str(info.value)  # the line of the generator
    assert time.perf_counter() - start < 10


def test_huge_constant_ranges_and_closed_worlds_are_refused_quickly(tmp_path):
    from neurosym import make_task

    start = time.perf_counter()
    with pytest.raises(NeurosymError, match="100,000,001 values"):
        check_task_file(_task_file(tmp_path, EVEN.replace("constants 0..10",
                                                          "constants 0..100000000")))
    with pytest.raises(NeurosymError, match="3,000\\^2 = 9,000,000 target atoms"):
        make_task([Atom("e", (Const("0"), Const("1")))], [Atom("p", (Const("0"), Const("1")))],
                  constants=[str(i) for i in range(3000)])
    assert time.perf_counter() - start < 10


def test_task_without_positives_is_refused():
    world = World("train", (), (), (Atom("p", (Const("a"),)),))
    with pytest.raises(NeurosymError, match="no training world has a positive"):
        ILPTask("t", ("a",), {}, "p", 1, {}, {}, 1, (world,))


def test_saved_learner_settings_are_bounded():
    with pytest.raises(NeurosymError, match="steps must be in"):
        LearnerConfig.from_json({"steps": 10**9})


AMBIGUOUS = """task amb
grammar {
    s: s "and" s -> and | "a" -> a
}
meaning {
    and(x, y) = x y
    a = A
}
"""


@pytest.mark.parametrize("enumerate_line", ["enumerate depth 5 count 200",
                                            "enumerate depth 3 count 3 seed 1"])
def test_ambiguous_grammar_sampled_is_detected(tmp_path, enumerate_line):
    with pytest.raises(NeurosymError, match="ambiguous"):
        check_task_file(_task_file(tmp_path, AMBIGUOUS + enumerate_line + "\n"))


# ------------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("argv, fragment", [
    ("ilp learn ilp/even --device tpu", "--device: must be a device: one of auto, cpu, cuda"),
    ("ilp learn ilp/even --seed -1", "--seed: must be at least 0"),
    ("ilp learn ilp/even --steps -5", "--steps: must be in [1, 1000000]"),
    ("ilp learn ilp/even --max-contradicted -1", "--max-contradicted"),
    ("scan run --split simple --steps -5", "--steps: must be at least 1"),
    ("scan run --split simple --steps 0", "--steps: must be at least 1"),
    ("scan run --split simple --batch-size 0", "--batch-size: must be at least 1"),
    ("scan run --split simple --lr -1", "--lr: must be at least 0"),
    ("scan run --split simple --device tpu", "--device: must be a device"),
    ("ilp bench even --device tpu", "--device: must be a device"),
])
def test_bad_arguments_stop_argparse(capsys, argv, fragment):
    with pytest.raises(SystemExit) as info:
        main(argv.split())
    assert info.value.code == 2
    assert fragment in capsys.readouterr().err


def test_bad_arguments_are_checked_before_any_work(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [
        (["scan", "run", "--split", "simple", "-o", "hidden=-3"], "hidden must be at least 1"),
        (["ilp", "learn", "ilp/even", "--json", str(tmp_path)], "--json"),
        (["ilp", "learn", "ilp/even", "--save", str(a_file / "x")], "is a file"),
        (["scan", "run", "--split", "simple", "--out", str(a_file)], "not a folder"),
        (["task", "generate", "scan/scan", "--out", str(a_file)], "not a folder"),
    ]
    if not torch.cuda.is_available():
        cases.append((["ilp", "learn", "ilp/even", "--device", "cuda"], "no CUDA device"))
    for argv, fragment in cases:
        start = time.perf_counter()
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("neurosym: error:") and fragment in err, err
        assert time.perf_counter() - start < 20  # refused before training or reading data


def test_output_checks(tmp_path):
    check_output(tmp_path / "new" / "deeper" / "r.json", "file", flag="--json")
    check_output(tmp_path, "folder", flag="--out")
    with pytest.raises(NeurosymError, match="--json .*existing folder"):
        check_output(tmp_path, "file", flag="--json")


def test_unexpected_errors_are_short(monkeypatch, capsys):
    from neurosym.tasks import check

    def broken(source):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(check, "check_task_file", broken)
    assert main(["task", "check", "ilp/even"]) == 1
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: boom" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "task", "check", "ilp/even"])


# ------------------------------------------------------------------------- lost work
@pytest.fixture
def tiny_scan(tmp_path):
    from neurosym.bench.scan_runner import load_task
    from neurosym.tasks.examples import write_scan_file

    short = [e for e in load_task(None).generate() if len(e.input) <= 3][:40]
    write_scan_file(tmp_path / "simple_split" / "tasks_train_simple.txt", short[:30])
    write_scan_file(tmp_path / "simple_split" / "tasks_test_simple.txt", short[30:])
    return tmp_path


def _settings(data, out, **kw):
    from neurosym.bench.scan_runner import RunSettings

    return RunSettings(**{"split": "simple", "model": "lstm", "steps": 40, "device": "cpu",
                          "data": str(data), "out": str(out), "train_eval": 5,
                          "checkpoint_every": 1000, "log_every": 4, "progress": False,
                          "options": {"hidden": 8, "batch_size": 4}, **kw})


def _stop_at(monkeypatch, step: int, action):
    from neurosym.bench.run_folder import RunFolder

    original = RunFolder.append_metrics

    def append(self, record):
        original(self, record)
        if record.get("step") == step and "event" not in record:
            action()

    monkeypatch.setattr(RunFolder, "append_metrics", append)


def test_a_killed_run_leaves_a_checkpoint_and_resume_says_so(tiny_scan, tmp_path, monkeypatch,
                                                             capsys):
    from neurosym.bench.scan_runner import run_scan

    def die():
        raise RuntimeError("killed")

    _stop_at(monkeypatch, 24, die)
    with pytest.raises(RuntimeError):
        run_scan(_settings(tiny_scan, tmp_path / "runs"))
    monkeypatch.undo()
    summary = run_scan(_settings(tiny_scan, tmp_path / "runs", resume=True))
    assert summary["runs"][0]["resumed_from_step"] == 20  # checkpoints every 40 // 4 steps
    assert "resuming from the checkpoint at step 20" in capsys.readouterr().out


def test_ctrl_c_writes_a_checkpoint(tiny_scan, tmp_path, monkeypatch, capsys):
    from neurosym.bench.scan_runner import run_scan

    _stop_at(monkeypatch, 8, lambda: signal.raise_signal(signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        run_scan(_settings(tiny_scan, tmp_path / "runs"))
    assert "interrupted: checkpoint of step 8 written" in capsys.readouterr().out
    monkeypatch.undo()
    summary = run_scan(_settings(tiny_scan, tmp_path / "runs", resume=True))
    assert summary["runs"][0]["resumed_from_step"] == 8


def test_resume_without_a_run_says_it_starts_fresh(tiny_scan, tmp_path, capsys):
    from neurosym.bench.scan_runner import run_scan

    run_scan(_settings(tiny_scan, tmp_path / "runs", resume=True, steps=4))
    assert "nothing to resume, starting from step 0" in capsys.readouterr().out


# ----------------------------------------------------------------------- remaining hangs
def test_sampling_a_deep_binary_grammar_refuses_long_sentences(tmp_path):
    from neurosym.tasks.enumerate import MAX_SENTENCE_WORDS

    path = _task_file(tmp_path, AMBIGUOUS + "enumerate depth 64 count 200\n")
    start = time.perf_counter()
    with pytest.raises(NeurosymError, match="lower the depth to at most 9") as info:
        check_task_file(path)
    assert time.perf_counter() - start < 10
    assert f"limit is {MAX_SENTENCE_WORDS:,} words" in str(info.value)
    assert "t.task:9:1" in str(info.value)  # the enumerate line


# ----------------------------------------------------------------------- unclear errors
@pytest.mark.parametrize("file, text, line, column, words", [
    ("exs.pl", "pos(f(a)).\nf(X) :- g(X).\n", 2, 1, "rules are not supported in exs.pl"),
    ("exs.pl", "pos(f(a)).\n  /* unfinished\nneg(f(b)).\n", 2, 3, "comment is never closed"),
    ("bk.pl", "g(a). /* ok */ g(b).\n/* open", 2, 1, "comment is never closed"),
])
def test_popper_errors_name_what_and_where(tmp_path, file, text, line, column, words):
    files = {"bk.pl": "g(a).\n", "exs.pl": "pos(f(a)).\n",
             "bias.pl": "head_pred(f,1).\nbody_pred(g,1).\n", file: text}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with pytest.raises(NeurosymError, match=words) as info:
        check_task_file(tmp_path)
    assert f"{file}:{line}:{column}:" in str(info.value)


# ---------------------------------------------------------------- silent wrong results
def test_a_saved_program_edited_by_hand_is_refused(tmp_path):
    import json

    from safetensors.torch import load_file, safe_open, save_file

    from neurosym.ilp import RuleLearner, make_task
    from neurosym.logic.terms import atom

    facts = [atom("succ", i, i + 1) for i in range(5)]
    pos = [atom("pred", i + 1, i) for i in range(5)]
    neg = [atom("pred", a, b) for a in range(6) for b in range(6) if a != b + 1]
    learner = RuleLearner(restarts=2, steps=100, seed=0, device="cpu")
    learner.fit(make_task(facts, pos, neg, templates={"pred": [(0, False)]}, name="pred"))
    path = tmp_path / "pred.safetensors"
    learner.save(path)
    assert RuleLearner.load(path).program_.same_clauses(learner.program_)  # unedited: loads
    with safe_open(str(path), "pt") as f:
        meta = json.loads(f.metadata()["neurosym.ilp"])
    for edited in ("pred(X, Y) :- succ(X, Y).", ""):  # a clause changed; the clause deleted
        meta["program"] = edited
        save_file(load_file(str(path)), str(path), metadata={"neurosym.ilp": json.dumps(meta)})
        with pytest.raises(NeurosymError, match="differs from the program of the saved weights"):
            RuleLearner.load(path)


# ----------------------------------------------------------------------- memory refusal
def test_a_huge_rule_template_is_refused_before_generating_clauses(tmp_path):
    from neurosym.tasks.ilp_validate import MAX_BODY_PAIRS

    lines = EVEN.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("rules"))
    lines[at] = "rules even: (1000, no)\n"
    start = time.perf_counter()
    with pytest.raises(NeurosymError, match=f"at most {MAX_BODY_PAIRS:,}") as info:
        check_task_file(_task_file(tmp_path, "".join(lines)))
    assert time.perf_counter() - start < 10
    assert f"t.task:{at + 1}:" in str(info.value) and "fewer existential variables" in str(
        info.value)


@pytest.fixture(scope="module")
def less_than():
    """A learner fitted on less_than (lt/2, recursive, T = 9) and the facts of an N-number
    chain."""
    from neurosym import RuleLearner, load_ilp_task
    from neurosym.logic.terms import atom

    learner = RuleLearner(restarts=8, steps=200, seed=0, device="cpu")
    assert learner.fit(load_ilp_task("ilp/less_than")).verified
    return learner, lambda n: [atom("zero", 0)] + [atom("succ", i, i + 1) for i in range(n - 1)]


def test_crisp_predict_equals_the_one_hot_weights_over_every_clause(less_than):
    import copy

    learner, chain = less_than
    sharp = copy.copy(learner)  # weights so peaked that the softmax is exactly one-hot
    sharp.weights_ = {p: 1e4 * torch.nn.functional.one_hot(w.argmax(), w.numel()).float()
                      for p, w in learner.weights_.items()}
    crisp = learner.predict(chain(30))
    assert crisp == sharp.predict(chain(30), crisp=False)
    assert sum(crisp.values()) == sum(min(9, 29 - i) for i in range(30))  # j - i <= T = 9


def test_predict_on_2000_constants_fits_or_is_refused_before_allocating(less_than, monkeypatch):
    import copy

    from neurosym.ilp import memory

    learner, chain = copy.copy(less_than[0]), less_than[1]
    values = learner.predict(chain(2000))  # sparse grounding of the learned program: it fits
    assert len(values) == 2000**2 and sum(values.values()) == 2000 * 9 - 45
    monkeypatch.setattr(memory, "available_bytes", lambda device: 16 * 2**30)
    for dense, fragment in [(True, "this prediction needs about 1[0-9]{2}\\.[0-9]+ GiB"),
                            (False, "the result of predict needs about")]:
        learner.config = learner.config.replace(
            grounding="dense" if dense else "sparse", memory_fraction=0.9 if dense else 1e-3)
        start = time.perf_counter()
        with pytest.raises(NeurosymError, match=fragment) as info:
            learner.predict(chain(2000))  # dense: numpy once asked for 179 GiB
        assert "lower the number of constants given to predict (2,000 now)" in str(info.value)
        assert time.perf_counter() - start < 10


LONG_OUTPUTS = """task long
grammar {
    s: p "again" -> again
    p: q "thrice" -> thrice
    q: w "and" w -> and | w
    w: "a" -> a | "b" -> b | "c" -> c | "d" -> d | "e" -> e | "f" -> f | "g" -> g | "h" -> h
}
meaning {
    again(x) = x x x
    thrice(x) = x x x
    and(x, y) = x AND y
    a = A A A A
    b = B B B B
    c = C C C C
    d = D D D D
    e = E E E E
    f = F F F F
    g = G G G G
    h = H H H H
}
enumerate all
split rand = random(train=0.8, seed=0)
"""


def test_the_concept_model_refuses_a_chart_too_big_before_training(tmp_path, capsys):
    path = _task_file(tmp_path, LONG_OUTPUTS)  # outputs of 36 and 81 tokens (once 3.5+ GB)
    start = time.perf_counter()
    assert main(["scan", "run", "--task", str(path), "--split", "rand", "--model", "neurosym",
                 "--device", "cpu", "--out", str(tmp_path / "runs"),
                 "-o", "memory_fraction=1e-6"]) == 1
    err = capsys.readouterr().err
    assert "the span chart of" in err and "outputs up to 81 tokens" in err, err
    assert "even with 1 restart: lower the setting subset" in err
    assert time.perf_counter() - start < 20


def test_the_chart_estimate_grows_with_the_square_of_the_output_and_names_restarts():
    from neurosym.concepts.composition import TemplateSpace
    from neurosym.concepts.memory import chart_bytes, check_chart_memory
    from neurosym.errors import ResourceLimitError

    space = TemplateSpace(8, 2, ("A", "B"))
    size = {"restarts": 1, "nodes": 100, "longest": 39, "dtype": torch.float32}
    one = chart_bytes(space, **size)
    assert chart_bytes(space, **{**size, "longest": 79}) == pytest.approx(4 * one, rel=0.01)
    assert chart_bytes(space, **{**size, "restarts": 8}) == pytest.approx(8 * one, rel=1e-6)
    assert chart_bytes(TemplateSpace(8, 2, ("A",), reverse=True), **size) > 2 * one
    check = {"restarts": 8, "nodes": 100, "pairs": 20, "longest": 39, "dtype": torch.float32,
             "device": torch.device("cpu"), "fraction": 1.0}
    check_chart_memory(space, **check, available=8 * one + 8)  # fits: no error
    with pytest.raises(ResourceLimitError, match="lower the setting restarts from 8 to at most 3"):
        check_chart_memory(space, **check, available=int(3.5 * one))


#: The smallest command line of every subcommand that writes (its outputs are added per case).
WRITERS = {("task", "generate"): ["scan/scan"], ("ilp", "learn"): ["ilp/even"],
           ("ilp", "bench"): ["even"], ("scan", "generate"): [],
           ("scan", "run"): ["--split", "simple"], ("kg", "learn"): ["kg-folder"],
           ("kg", "eval"): ["kg-folder"]}


def _output_flags() -> list[tuple[tuple[str, str], str]]:
    """(subcommand, output flag) of every subcommand of the parser (cli.OUTPUTS)."""
    import argparse

    from neurosym.cli import OUTPUTS, build_parser

    found = []

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, (*path, name))
            elif action.dest in OUTPUTS:
                found.append((path, action.option_strings[0]))

    walk(build_parser(), ())
    return found


def test_every_writing_subcommand_is_covered():
    assert {path for path, _ in _output_flags()} == set(WRITERS)


@pytest.mark.parametrize("command, flag", _output_flags())
@pytest.mark.parametrize("case", ["under a file", "read-only folder", "read-only file"])
def test_unwritable_outputs_are_refused_before_any_work(tmp_path, monkeypatch, capsys, command,
                                                        flag, case):
    """The machine runs as root, so chmod cannot make a path unwritable: the writability probe
    (os.access) is made to say no, or the output lies under a regular file."""
    from neurosym import cli

    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    kind = cli.OUTPUTS[flag[2:].replace("-", "_")]
    if case == "under a file":
        target, fragment = a_file / "out", "is a file, so nothing can be written under it"
    elif case == "read-only folder":
        target, fragment = tmp_path / "new", f"the folder {tmp_path} is read-only"
    else:
        target = a_file if kind == "file" else tmp_path
        fragment = "is read-only"
    if case != "under a file":  # only that path is unwritable
        refused = tmp_path if case == "read-only folder" else target
        monkeypatch.setattr("neurosym.io.os.access", lambda path, mode: Path(path) != refused)
    real_parser = cli.build_parser

    def no_work_parser():  # the handler (the work) must never start
        parser = real_parser()
        parse = parser.parse_args

        def parse_args(argv=None):
            args = parse(argv)
            args.handler = lambda args: pytest.fail("work started before the output check")
            return args

        parser.parse_args = parse_args
        return parser

    monkeypatch.setattr(cli, "build_parser", no_work_parser)
    assert cli.main([*command, *WRITERS[command], flag, str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"neurosym: error: {flag} {target}") and fragment in err, err


def test_perceived_leaves_are_counted_before_their_assignments_are_enumerated():
    from neurosym.concepts.perceived import MAX_ASSIGNMENTS, expand
    from neurosym.concepts.table import ConceptTable
    from neurosym.errors import ResourceLimitError
    from neurosym.lang.tree import ParseNode

    table = ConceptTable({"g": 2, "a": 0, "b": 0, "c": 0})
    tree = ParseNode("a")
    for _ in range(19):  # 20 perceived leaves: 3^20 = 3,486,784,401 assignments
        tree = ParseNode("g", (tree, ParseNode("b")))
    start = time.perf_counter()
    with pytest.raises(ResourceLimitError, match="20 perceived leaves: 3\\^20 = 3,486,784,401 "
                       "assignments.*at most 10 perceived words"):
        expand([tree], table, ("a", "b", "c"))
    assert time.perf_counter() - start < 5 and 3**10 <= MAX_ASSIGNMENTS < 3**11
    assert expand([ParseNode("g", (ParseNode("a"), ParseNode("c")))], table,
                  ("a", "b", "c")).roots.shape == (1, 9)
