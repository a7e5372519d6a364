"""RuleLearner end to end on small tasks: fit, result fields, predict, save/load, noise, memory
refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from neurosym.errors import NeurosymError, ResourceLimitError
from neurosym.ilp import RuleLearner, make_task
from neurosym.ilp.budget import check_schedule
from neurosym.ilp.memory import MemoryEstimate, PredicateShape, check_fits
from neurosym.lang.datalog import parse_program
from neurosym.logic.evaluator import least_model
from neurosym.logic.terms import atom


def predecessor_task(n: int = 8, flip: tuple = ()):
    facts = [atom("zero", 0)] + [atom("succ", i, i + 1) for i in range(n - 1)]
    pos = [atom("pred", i + 1, i) for i in range(n - 1)]
    neg = [atom("pred", a, b) for a in range(n) for b in range(n) if a != b + 1]
    for a in flip:  # mislabel: move atoms between positives and negatives
        if a in pos:
            pos.remove(a)
            neg.append(a)
        else:
            neg.remove(a)
            pos.append(a)
    return make_task(facts, pos, neg, templates={"pred": [(0, False)]}, name="pred")


@pytest.fixture(scope="module")
def fitted():
    learner = RuleLearner(restarts=4, steps=200, seed=0, device="cpu")
    result = learner.fit(predecessor_task())
    return learner, result


def test_fit_finds_and_verifies_the_program(fitted):
    learner, result = fitted
    assert result.verified and result.labels_contradicted == 0
    assert result.program_text == "pred(X, Y) :- succ(Y, X)."
    assert learner.program_.same_clauses(parse_program(result.program_text))
    assert (result.tp, result.fn, result.fp) == (7, 0, 0) and result.tn == 64 - 7
    assert result.precision == 1.0 and result.recall == 1.0
    assert 1 <= result.restarts_succeeded <= result.restarts == 4
    assert result.clauses_generated == 15 and result.size == 1
    assert 0 < result.confidence <= 1 and result.device == "cpu" and result.seed == 0
    # stopped early
    cfg = learner.config
    assert result.steps_run in check_schedule(cfg.first_check, cfg.check_every, cfg.steps)
    assert result.steps_run < 200 and result.ttv_step == result.steps_run
    assert 0 < result.ttv_seconds <= result.seconds and not result.stopped_on_time
    data = result.to_json()
    json.dumps(data)
    for key in (
        "task",
        "program",
        "verified",
        "restarts",
        "restarts_succeeded",
        "seconds",
        "device",
        "seed",
    ):
        assert key in data
    assert data["program"] == result.program_text


def test_predict_applies_the_program_to_new_constants(fitted):
    learner, _ = fitted
    facts = [atom("succ", "a", "b"), atom("succ", "b", "c")]
    crisp = learner.predict(facts)
    assert {str(a) for a, v in crisp.items() if v == 1.0} == {"pred(b, a)", "pred(c, b)"}
    assert all(v in (0.0, 1.0) for v in crisp.values()) and len(crisp) == 9
    soft = learner.predict(facts, crisp=False)
    assert all(abs(soft[a] - crisp[a]) < 0.5 for a in crisp)
    with pytest.raises(NeurosymError, match="not an extensional predicate"):
        learner.predict([atom("pred", "a", "b")])


def test_save_and_load_round_trip(fitted, tmp_path: Path):
    learner, result = fitted
    path = tmp_path / "pred.safetensors"
    learner.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "pred.safetensors"
    ]  # atomic: no temp file left
    assert not path.read_bytes().startswith(b"\x80")  # not a pickle
    loaded = RuleLearner.load(path)
    assert loaded.program_.same_clauses(learner.program_)
    facts = [atom("succ", "a", "b"), atom("succ", "b", "c")]
    assert loaded.predict(facts, crisp=False) == pytest.approx(learner.predict(facts, crisp=False))
    assert loaded.saved_result_["program"] == result.program_text
    with pytest.raises(NeurosymError, match="no such file .expected a saved rule learner"):
        RuleLearner.load(tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(NeurosymError, match="not a readable safetensors file"):
        RuleLearner.load(tmp_path / "junk.safetensors")


def test_files_saved_by_earlier_versions_load(fitted, tmp_path: Path):
    from safetensors.torch import load_file, safe_open, save_file

    learner, _ = fitted
    path = tmp_path / "new.safetensors"
    learner.save(path)
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["neurosym.ilp"])
    assert meta["settings"] == learner.config.to_json()

    def load_with(settings):
        old = tmp_path / "old.safetensors"
        header = json.dumps({**meta, "settings": settings})
        save_file(load_file(str(path)), str(old), metadata={"neurosym.ilp": header})
        return RuleLearner.load(old)

    # the previous version: "polish_rounds", and lr always written (ignored by the portfolio)
    previous = {**meta["settings"], "lr": 0.1, "polish_rounds": 2}
    del previous["repair_rounds"]
    assert load_with(previous).config == learner.config.replace(repair_rounds=2)
    # before repair and training noise: plain ∂ILP
    older = {k: v for k, v in previous.items() if k not in ("polish_rounds", "gumbel_scale")}
    loaded = load_with(older)
    assert (loaded.config.repair_rounds, loaded.config.gumbel_scale) == (0, 0.0)
    assert loaded.program_.same_clauses(learner.program_)


def test_unfitted_learner_and_bad_settings_raise_clear_errors():
    with pytest.raises(NeurosymError, match="not been fitted"):
        RuleLearner().predict([])
    with pytest.raises(NeurosymError, match="optimizer"):
        RuleLearner(optimizer="lbfgs")
    with pytest.raises(NeurosymError, match="preset"):
        RuleLearner(preset="nope")
    with pytest.raises(NeurosymError, match=r"lr must be greater than 0"):
        RuleLearner(lr=-1, optimizer="adam")
    with pytest.raises(NeurosymError, match="the learning rate must be a positive number"):
        RuleLearner(optimizer="adam:-1")
    with pytest.raises(NeurosymError, match="has no setting 'step'"):
        RuleLearner(step=10)


def test_label_noise_best_program_reports_contradicted_labels():
    """Two flipped labels: no program fits every label; the true program contradicts exactly those
    two."""
    task = predecessor_task(flip=(atom("pred", 3, 2), atom("pred", 0, 5)))
    strict = RuleLearner(restarts=4, steps=150, seed=0, device="cpu", patience=50).fit(task)
    assert not strict.verified and strict.labels_contradicted == 2
    assert strict.program_text == "pred(X, Y) :- succ(Y, X)."
    tolerant = RuleLearner(restarts=4, steps=150, seed=0, device="cpu", max_contradicted=2).fit(
        task
    )
    assert tolerant.verified and tolerant.labels_contradicted == 2
    assert tolerant.program_text == "pred(X, Y) :- succ(Y, X)."
    assert tolerant.steps_run < strict.steps_run


def test_callback_sees_progress_and_can_stop_training():
    seen = []

    def callback(p):
        seen.append((p.step, p.steps, len(p.losses)))
        return p.step == 20

    learner = RuleLearner(restarts=3, steps=500, device="cpu", stop_early=False, check_every=10,
                          first_check=3)
    result = learner.fit(predecessor_task(), callback=callback)
    # the first check after first_check steps, then twice as many, ..., then every check_every
    assert seen == [(s, 500, 3) for s in (3, 6, 10, 20)] and result.steps_run == 20


def test_learned_recursive_program_matches_the_exact_evaluator():
    """Connectedness from Python objects: the learned program's least model equals the labels."""
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("e", "f"), ("f", "e")]
    facts = [atom("edge", x, y) for x, y in edges]
    reach = {(x, y) for x, y in edges}
    while True:
        more = {(x, z) for x, y in reach for y2, z in reach if y == y2} - reach
        if not more:
            break
        reach |= more
    task = make_task(facts, [atom("conn", x, y) for x, y in sorted(reach)], steps=3)
    result = RuleLearner(restarts=8, steps=300, seed=0, device="cpu").fit(task)
    assert result.verified
    model = least_model(facts, result.program)
    assert {t for t in model.tuples("conn")} == reach


def test_memory_check_names_the_number_to_lower():
    shape = PredicateShape("p", 10, 10, 100, 1000, 10)
    per_restart = MemoryEstimate(fixed=1000, per_restart=10_000, restarts=64, largest=shape)
    with pytest.raises(ResourceLimitError, match=r"lower --restarts from 64 to at most 8"):
        check_fits(per_restart, torch.device("cpu"), fraction=1.0, available=90_000)
    too_big = MemoryEstimate(fixed=1000, per_restart=10**9, restarts=1, largest=shape)
    with pytest.raises(
        ResourceLimitError, match=r"even with 1 restart.*predicate is p.*existential variables v"
    ):
        check_fits(too_big, torch.device("cpu"), fraction=1.0, available=10**6)
    check_fits(per_restart, torch.device("cpu"), fraction=1.0, available=10**9)  # fits: no error


def test_fit_refuses_before_allocating_when_memory_is_short():
    learner = RuleLearner(restarts=64, steps=10, device="cpu", memory_fraction=1e-7)
    with pytest.raises(ResourceLimitError, match="lower --restarts|even with 1 restart"):
        learner.fit(predecessor_task())


def test_make_task_validates_its_input():
    facts = [atom("edge", "a", "b")]
    with pytest.raises(NeurosymError, match="several predicates"):
        make_task(facts, [atom("p", "a"), atom("q", "a")])
    with pytest.raises(NeurosymError, match="arity mismatch"):
        make_task(facts + [atom("edge", "a")], [atom("p", "a")])
    with pytest.raises(NeurosymError, match="both positive and negative"):
        make_task(facts, [atom("p", "a")], [atom("p", "a")])
    with pytest.raises(NeurosymError, match="no rule templates for aux"):
        make_task(facts, [atom("p", "a")], invented={"aux": 1})
    with pytest.raises(NeurosymError, match=r"\(v, intensional\)"):
        make_task(facts, [atom("p", "a")], templates={"p": ["zero"]})
    task = make_task(facts, [atom("p", "a")], templates={"p": [(0, False)]})
    assert task.steps == 1 and [a.ground_tuple() for a in task.train[0].negatives] == [("b",)]


def test_same_seed_same_result_and_restarts_are_independent():
    task = predecessor_task()
    a = RuleLearner(restarts=3, steps=50, seed=7, device="cpu", stop_early=False).fit(task)
    b = RuleLearner(restarts=3, steps=50, seed=7, device="cpu", stop_early=False).fit(task)
    assert (a.program_text, a.confidence, a.loss) == (b.program_text, b.confidence, b.loss)
    # restart 0 starts and trains the same alone as next to other restarts
    one = RuleLearner(restarts=1, steps=50, seed=7, device="cpu", stop_early=False)
    many = RuleLearner(restarts=3, steps=50, seed=7, device="cpu", stop_early=False)
    t1, t3 = one.prepare(task), many.prepare(task)
    for _ in range(20):
        l1, l3 = t1.step(), t3.step()
    assert torch.allclose(l1[0], l3[0]) and torch.allclose(t1.weights[0][0], t3.weights[0][0])


def test_fit_goes_on_to_the_fallback_when_the_first_templates_end_unverified():
    """A task whose templates cannot express the target ends unverified; fit then learns its
    fallback, counts the time from the start, and says so."""
    from pathlib import Path

    from neurosym.tasks.popper import load_popper_task

    folder = Path(__file__).parents[1] / "tasks" / "data" / "popper_grandparent"
    narrow = load_popper_task(folder, invented={}, templates={"grandparent": [(0, False)]})
    alone = RuleLearner(seed=0, device="cpu", steps=30, restarts=2).fit(narrow)
    assert not alone.verified
    narrow.fallback = load_popper_task(folder)
    learner = RuleLearner(seed=0, device="cpu", steps=300, restarts=4, time_limit=120)
    result = learner.fit(narrow)
    assert result.verified and result.fallbacks_tried == 1
    assert "inv1" in result.program_text and "fallback" in result.summary()
    stopped = learner.fit(narrow, callback=lambda progress: True)  # stop means stop
    assert not stopped.verified and stopped.fallbacks_tried == 0
    assert result.ttv_seconds is not None and result.ttv_seconds <= result.seconds
