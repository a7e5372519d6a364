"""Time in a fit: the check schedule, the time limit, TTV, restarts sized by a timed probe, the
progress display and the result's JSON. Time is a fake clock advanced by every training step, so
nothing here depends on the machine's speed."""

from __future__ import annotations

import io
import json

import pytest

from neurosym.cli import main
from neurosym.errors import ResourceLimitError
from neurosym.ilp import LearnResult, Progress, RuleLearner
from neurosym.ilp.budget import Deadline, check_schedule, planned_restarts, size_restarts
from neurosym.ilp.cli_commands import FitProgress
from neurosym.ilp.config import LearnerConfig
from neurosym.ilp.restarts import RestartTracker
from neurosym.ilp.training import Trainer
from neurosym.tasks.ilp_task import load_ilp_task


class FakeTime:
    """A clock that only moves when a trainer steps: ``per_restart`` seconds per restart."""

    def __init__(self, per_restart: float = 0.0) -> None:
        self.now, self.per_restart = 0.0, per_restart

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch):
    clock = FakeTime()
    real_step = Trainer.step

    def step(self):
        clock.now += clock.per_restart * self.restarts
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)
    monkeypatch.setattr(RuleLearner, "clock", clock)
    return clock


# ----- the check schedule -----------------------------------------------------------------------


def test_checks_come_early_then_every_check_every_steps():
    assert check_schedule(5, 25, 100) == [5, 10, 20, 25, 50, 75, 100]
    assert check_schedule(5, 25, 60) == [5, 10, 20, 25, 50, 60]  # and the last step
    assert check_schedule(3, 10, 12) == [3, 6, 10, 12]
    assert check_schedule(5, 25, 7) == [5, 7]
    assert check_schedule(25, 25, 80) == [25, 50, 75, 80]  # first >= every: the old grid


def test_a_program_is_settled_only_after_check_every_steps_whatever_the_early_checks():
    tracker = RestartTracker.start(1, LearnerConfig(check_every=25))
    seen = {step: tracker.settle([(7,)], step, final=False)[0] for step in (5, 10, 20, 25, 50)}
    assert seen == {5: False, 10: False, 20: False, 25: False, 50: True}
    tracker.settle([(8,)], 75, final=False)  # a new program at 75: settled at 100, not before
    assert tracker.settle([(8,)], 95, final=False) == [False]
    assert tracker.settle([(8,)], 100, final=False) == [True]
    assert tracker.settle([(9,)], 101, final=True) == [True]


def test_stuck_restarts_are_judged_at_the_same_steps_with_early_checks():
    def stuck_steps(schedule):
        tracker = RestartTracker.start(1, LearnerConfig(reinit_patience=100))
        return [s for s in schedule if tracker.stuck(0, s, 1.0, verified=False)]

    assert stuck_steps(check_schedule(5, 25, 300)) == stuck_steps(range(25, 301, 25)) == [200, 300]


def test_the_callback_sees_the_early_checks(fake_time):
    seen: list[Progress] = []
    learner = RuleLearner(restarts=2, steps=60, device="cpu", stop_early=False, time_limit=None)
    learner.fit(load_ilp_task("ilp/predecessor"), callback=seen.append)
    assert [p.step for p in seen] == [5, 10, 20, 25, 50, 60]
    assert {p.planned for p in seen} == {60}  # no time limit: every step is planned


# ----- time to a verified program, and the time limit ---------------------------------------------


def test_ttv_is_the_time_of_the_first_check_that_found_a_verified_program(fake_time):
    fake_time.per_restart = 0.5  # 1 s per step of 2 restarts
    result = RuleLearner(restarts=2, steps=200, device="cpu", seed=0).fit(
        load_ilp_task("ilp/predecessor")
    )
    assert result.verified and result.ttv_step == result.steps_run == 5
    assert result.ttv_seconds == pytest.approx(5.0) and not result.stopped_on_time
    assert "first verified program after 5.00 s (step 5)" in result.summary()


def test_ttv_is_none_when_no_program_was_verified(fake_time):
    task = load_ilp_task("ilp/even")
    result = RuleLearner(restarts=2, steps=12, device="cpu", seed=0, repair_rounds=0).fit(task)
    assert not result.verified
    assert result.ttv_seconds is None and result.ttv_step is None
    assert "no verified program" in result.summary()


def test_training_stops_at_the_time_limit(fake_time):
    fake_time.per_restart = 0.5  # 1 s per step
    seen: list[Progress] = []
    learner = RuleLearner(restarts=2, steps=100, device="cpu", stop_early=False, time_limit=7.5)
    result = learner.fit(load_ilp_task("ilp/predecessor"), callback=seen.append)
    assert result.stopped_on_time and result.steps_run == 8  # the first step past 7.5 s
    assert [p.step for p in seen] == [5, 8] and "stopped at the time limit" in result.summary()
    assert seen[0].planned == 7 and seen[0].seconds == pytest.approx(5.0)  # 2.5 s left: 2 steps


# ----- restarts="auto" by time ------------------------------------------------------------------


def test_planned_restarts_fit_the_time_left():
    choices = (16, 32, 64)
    assert planned_restarts(choices, 16, 0.016, 1000, 64.0) == 64  # 0.064 s a step at 64
    assert planned_restarts(choices, 16, 0.016, 1000, 63.9) == 32
    assert planned_restarts(choices, 16, 0.016, 1000, 1.0) == 16  # never below the fewest


class ProbeTrainer:
    def __init__(self, restarts: int, clock: FakeTime) -> None:
        self.restarts, self.clock, self.steps = restarts, clock, 0

    def step(self) -> None:
        self.clock.now += self.clock.per_restart * self.restarts
        self.steps += 1


def probe_sizes(per_restart: float, limit: float, steps: int = 1000, fits: int = 64,
                check_first: bool = False):
    clock, built = FakeTime(per_restart), []

    def build(restarts: int) -> ProbeTrainer:
        built.append(restarts)
        if restarts > fits:
            raise ResourceLimitError(f"{restarts} restarts do not fit")
        return ProbeTrainer(restarts, clock)

    sized = size_restarts(build, (16, 32, 64), steps, Deadline(limit, clock),
                          check_first=check_first)
    if sized.grow is not None:  # the probe goes first; the larger batch only when asked for
        assert (sized.trainer.restarts, sized.steps_done, built) == (16, 3, [16])
        sized = sized.grow() or sized
    return sized.trainer.restarts, sized.steps_done, built


def test_auto_restarts_are_the_most_whose_steps_fit_the_time_limit():
    assert probe_sizes(1e-3, limit=100.0) == (64, 0, [16, 64])  # cheap: rebuilt at 64
    assert probe_sizes(3e-3, limit=100.0) == (32, 0, [16, 32])
    # no more fit: the probe goes on, its 3 steps counted
    assert probe_sizes(1e-2, limit=100.0) == (16, 3, [16])
    assert probe_sizes(1e-3, limit=100.0, fits=32) == (32, 0, [16, 64, 32])  # memory says 32
    assert probe_sizes(1e-3, limit=100.0, steps=1) == (16, 0, [16])  # no step to time
    assert probe_sizes(1.0, limit=None) == (64, 0, [16, 64])  # no limit: as many as fit


def test_a_probe_checked_first_grows_into_the_same_batch_when_asked():
    assert probe_sizes(1e-3, limit=100.0, check_first=True) == (64, 0, [16, 64])
    assert probe_sizes(1e-3, limit=100.0, fits=32, check_first=True) == (32, 0, [16, 64, 32])
    assert probe_sizes(1e-2, limit=100.0, check_first=True) == (16, 3, [16])  # nothing to grow


def test_an_easy_task_stops_with_the_probe_and_a_hard_one_grows(fake_time):
    fake_time.per_restart = 1e-3  # 64 restarts fit the time limit
    seen: list[Progress] = []
    easy = RuleLearner(device="cpu", steps=1000, time_limit=100.0, seed=0)
    result = easy.fit(load_ilp_task("ilp/predecessor"), callback=seen.append)
    assert result.verified and result.restarts == 16 and result.ttv_step == 5
    assert [(p.step, len(p.losses)) for p in seen] == [(5, 16)]
    # without early stopping every planned restart trains: no probe check
    full = RuleLearner(device="cpu", steps=6, time_limit=100.0, seed=0, stop_early=False)
    assert full.fit(load_ilp_task("ilp/predecessor")).restarts == 64
    seen.clear()
    fake_time.now = 0.0
    hard = RuleLearner(device="cpu", steps=1000, time_limit=100.0, seed=0)
    result = hard.fit(load_ilp_task("ilp/even"), callback=seen.append)
    assert result.verified and result.restarts == 64
    assert [len(p.losses) for p in seen] == [16] + [64] * (len(seen) - 1)
    # TTV counts the probe's 5 steps (16 ms each) before the larger batch's (64 ms each)
    assert seen[1].step == 5
    assert result.ttv_seconds == pytest.approx(5 * 0.016 + result.ttv_step * 0.064)


def test_the_learner_sizes_auto_restarts_by_the_step_time(fake_time):
    task = load_ilp_task("ilp/even")
    fake_time.per_restart = 1e-3  # 16 ms a step at 16 restarts, 64 ms at 64
    assert RuleLearner(device="cpu", steps=1000, time_limit=100.0).prepare(task).restarts == 64
    fake_time.now = 0.0
    assert RuleLearner(device="cpu", steps=1000, time_limit=50.0).prepare(task).restarts == 32
    assert RuleLearner(device="cpu", restarts=5, time_limit=1.0).prepare(task).restarts == 5


# ----- progress ----------------------------------------------------------------------------------


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def progress(step: int) -> Progress:
    return Progress(step, 100, [0.5, 0.2], 3, 1, planned=40, seconds=1.5)


@pytest.mark.parametrize("tty, enabled", [(True, True), (False, True), (True, False)])
def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(tty, enabled):
    stream = Stream(tty)
    shown = FitProgress(stream, enabled=enabled)
    shown(progress(5))
    shown(progress(10))
    shown.close()
    text = stream.getvalue()
    if not enabled:
        assert text == ""
    elif tty:
        assert "/40" in text and "\r" in text and "verified 1/2" in text
    else:
        assert text.splitlines() == [
            "step 5/40 (1.5 s): verified 1/2, best errors 3",
            "step 10/40 (1.5 s): verified 1/2, best errors 3",
        ]


# ----- the result's JSON ------------------------------------------------------------------------


def test_a_result_round_trips_through_json_and_old_results_still_load(fake_time):
    result = RuleLearner(restarts=2, steps=50, device="cpu", seed=0).fit(
        load_ilp_task("ilp/predecessor")
    )
    data = json.loads(json.dumps(result.to_json()))
    assert data["ttv_step"] == 5 and data["stopped_on_time"] is False
    assert LearnResult.from_json(data) == result
    old = {k: v for k, v in data.items() if k not in ("ttv_seconds", "ttv_step", "stopped_on_time")}
    loaded = LearnResult.from_json({**old, "a_later_field": 1})
    assert loaded.ttv_seconds is None and loaded.program == result.program


def test_ilp_learn_prints_the_ttv(capsys):
    assert main(["ilp", "learn", "ilp/predecessor", "--device", "cpu", "--restarts", "2"]) == 0
    out = capsys.readouterr()
    assert "first verified program after" in out.out and "(step 5)" in out.out
    assert "step 5/" in out.err  # not a terminal: a line per check
