"""``LearnerConfig``: every setting of a :class:`~neurosym.ilp.learner.RuleLearner`, in one place.

A frozen, validated dataclass (:class:`neurosym.config.Config`): ``neurosym ilp learn`` and
``neurosym ilp bench`` generate their flags from it, ``save``/``load`` write and read it as
JSON, and the benchmark holds overrides of it. Two settings take more than one kind of value,
each with its own type: :data:`Restarts` (a count, or :data:`AUTO`) and :data:`LabelBudget`
(a count of labels, or a fraction of them).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal, get_args

from neurosym.config import Config, option
from neurosym.errors import NeurosymError
from neurosym.logic.fuzzy import PRESETS, OperatorSet, get_preset
from neurosym.versions import check_device_name

OPTIMIZERS = ("rmsprop", "adam", "sgd")
Init = Literal["normal", "uniform", "zeros"]
INITS = get_args(Init)
DType = Literal["float32", "float64"]
DTYPE_NAMES = get_args(DType)
DEFAULT_LR = 0.1
"""The learning rate of an optimizer entry without its own ``:LR`` when ``lr`` is not set."""
AUTO_RESTARTS = {"cpu": ((16, 32, 64), 1 << 26), "cuda": ((32, 64, 128, 256, 512), 1 << 29)}
"""By device type: the restart counts ``restarts="auto"`` chooses from (the learner by the measured
step time: :func:`neurosym.ilp.budget.size_restarts`), and the tensor elements per chaining step up
to which a :class:`~neurosym.ilp.training.Trainer` built with ``"auto"`` adds restarts
(:func:`neurosym.ilp.training.auto_restarts`)."""

DEFAULT_TIME_LIMIT = 600.0
"""Seconds a fit may take by default (``time_limit``). Measured on the 2-core CPU: for 2000 steps
automatic restarts plan 64 on 16 of the 20 paper tasks (as before sizing by time), 32 on fizz and
16 on buzz, relatedness and length."""

AUTO = "auto"
Restarts = int | Literal["auto"]
"""Restarts trained together: a positive whole number, or :data:`AUTO` (chosen per task and
device)."""
LabelBudget = int | float
"""Labels a verified program may contradict: a count (an int), or a fraction of the labels
(a float strictly between 0 and 1); see :func:`allowed_errors`."""


def auto_choices(device_type: str) -> tuple[int, ...]:
    """The restart counts ``restarts="auto"`` picks from on a device of this type (``"cuda"``,
    ``"cpu"``, ...)."""
    return AUTO_RESTARTS.get(device_type, AUTO_RESTARTS["cpu"])[0]


def describe_auto(device_type: str | None = None) -> str:
    """``"16 to 64"``: the range ``restarts="auto"`` picks from (every device type's when None)."""
    def span(kind: str) -> str:
        choices = auto_choices(kind)
        return f"{choices[0]} to {choices[-1]}"

    if device_type is not None:
        return span(device_type)
    where = {"cpu": "the CPU", "cuda": "a GPU"}
    return ", ".join(f"{span(kind)} on {where.get(kind, kind)}" for kind in AUTO_RESTARTS)


def restarts_value(value: Any) -> Restarts:
    """A :data:`Restarts`: ``"auto"`` (any case) or a positive whole number (also as text)."""
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ValueError("must be 'auto' or a positive whole number")


def _restarts_check(value: Any) -> Restarts:
    if isinstance(value, str) and value.strip().lower() != AUTO:  # text only on the command line
        raise ValueError("must be 'auto' or a positive whole number")
    return restarts_value(value)


def label_budget(value: Any) -> LabelBudget:
    """A :data:`LabelBudget`: a whole number >= 0 (as an int) or a fraction in (0, 1) (a float)."""
    wrong = "must be a count of labels (0, 1, 2 ...) or a fraction between 0 and 1"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(wrong) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(wrong)
    if 0 < value < 1:
        return float(value)
    if value != int(value):
        raise ValueError("must be a whole count of labels or a fraction between 0 and 1")
    return int(value)


#: The most optimizer steps a learner may be asked for (a saved learner edited to 1e9 steps
#: would otherwise run for days).
MAX_STEPS = 1_000_000


def allowed_errors(max_contradicted: LabelBudget, labels: int) -> int:
    """``max_contradicted`` as a count: a count as is, a fraction of ``labels`` rounded down."""
    if isinstance(max_contradicted, float) and 0 < max_contradicted < 1:
        return math.floor(max_contradicted * labels)
    return int(max_contradicted)


def parse_optimizers(spec: str, lr: float | None) -> list[tuple[str, float]]:
    """``"adam"`` or a portfolio ``"adam:0.1,rmsprop:0.5"`` -> ``[(name, lr), ...]``; restart ``r``
    uses entry ``r % len``. An entry without ``:LR`` uses ``lr`` (:data:`DEFAULT_LR` when None)."""
    out = []
    for part in str(spec).split(","):
        name, _, value = part.strip().partition(":")
        name = name.strip().lower()
        if name not in OPTIMIZERS:
            raise NeurosymError(f"unknown optimizer {name!r} in {spec!r}; valid choices: "
                                f"{', '.join(OPTIMIZERS)} (or a portfolio such as "
                                "'adam:0.1,rmsprop:0.5')")
        try:
            rate = float(value) if value.strip() else float(DEFAULT_LR if lr is None else lr)
        except ValueError:
            raise NeurosymError(f"optimizer {part.strip()!r}: the learning rate after ':' must be "
                                "a number") from None
        if not (rate > 0 and math.isfinite(rate)):
            raise NeurosymError(f"optimizer {part.strip()!r}: the learning rate must be a "
                                "positive number")
        out.append((name, rate))
    return out


def _preset_check(value: Any) -> Any:
    try:
        get_preset(value)
    except NeurosymError as err:
        raise ValueError(str(err)) from None
    return value


def _preset_read(value: Any) -> Any:
    return OperatorSet(**value) if isinstance(value, dict) else _preset_check(value)


def _preset_encode(value: Any) -> Any:
    return value if isinstance(value, str) else asdict(value)


def _presets_help() -> str:
    return ", ".join(sorted(PRESETS))


@dataclass(frozen=True)
class LearnerConfig(Config):
    """Every setting of a :class:`~neurosym.ilp.learner.RuleLearner` (see its docstring for the
    defaults' measurements). Frozen; :meth:`replace` gives a validated copy."""

    RENAMED: ClassVar[dict[str, str]] = {"polish_rounds": "repair_rounds"}

    restarts: int | Literal["auto"] = option(
        AUTO, f"restarts trained together, or auto: {describe_auto()}, the most whose planned "
        "steps fit --time-limit at the step time measured on a few probe steps (and that fit in "
        "memory); with early stopping the probe is checked first",
        check=_restarts_check, read=restarts_value)
    steps: int = option(2000, "maximum optimizer steps", minimum=1, maximum=MAX_STEPS)
    lr: float | None = option(
        None, "learning rate of the optimizer entries without their own :LR "
        f"(unset: {DEFAULT_LR}); "
        "an error when every entry has its own", above=0.0)
    optimizer: str = option(
        "adam:0.1,rmsprop:0.5", f"{', '.join(OPTIMIZERS)}, or a portfolio over restarts such as "
        "adam:0.1,rmsprop:0.5 (restart r uses entry r mod its length)")
    preset: str | OperatorSet = option(
        "dilp", f"fuzzy operator preset: {_presets_help()} (dilp: the paper's), or an OperatorSet",
        check=_preset_check, read=_preset_read, encode=_preset_encode)
    device: str = option(AUTO, "auto, cpu, cuda or cuda:N", check=check_device_name)
    seed: int = option(0, "seed of the weight initialisation (drawn on the CPU: the same on "
                       "every device)", minimum=0)
    init: Init = option("normal", "weight initialisation")
    init_scale: float = option(1.0, "scale of the initialisation (normal: its std, uniform: "
                               "its top)",
                               minimum=0.0)
    check_every: int = option(25, "steps between exact verifications of every restart's program",
                              minimum=1)
    first_check: int = option(5, "the first verification after this many steps, then after "
                              "twice as many, ... up to --check-every (>= --check-every: every "
                              "--check-every steps only)", minimum=1)
    time_limit: float | None = option(
        DEFAULT_TIME_LIMIT, "seconds a fit may take: training stops at the first step past it, "
        "and auto restarts plan the steps within it (none: no limit)", above=0.0)
    stop_early: bool = option(True, "stop at the first verified program (or when every restart has "
                              "stopped improving)", flag="--early-stop")
    patience: int = option(300, "a restart has converged when its loss has not improved for this "
                           "many steps", minimum=1)
    tolerance: float = option(1e-4, "the loss improvement that counts for --patience", minimum=0.0)
    max_contradicted: int | float = option(
        0, "a verified program contradicts at most this many labels (a fraction if < 1), for "
        "noisy data",
        check=label_budget)
    reinit_patience: int = option(
        100, "redraw a restart whose program is wrong and whose loss fell by less than "
        "--reinit-tolerance in this many steps (0: never)", minimum=0)
    reinit_tolerance: float = option(1e-2, "see --reinit-patience", minimum=0.0)
    inference_steps: int | None = option(None, "forward-chaining steps T (default: the task's)",
                                         minimum=1)
    dtype: DType = option("float32", "float type of training")
    prune_renamings: bool = option(False, "drop clauses equal up to renaming existential variables")
    grounding: Literal["sparse", "dense"] = option(
        "sparse", "sparse: ground only the atoms that can become true and the substitutions the "
        "facts support (with a max existential; other presets ground densely); dense: every "
        "atom and substitution")
    memory_fraction: float = option(0.9, "refuse fits whose memory estimate exceeds this fraction "
                                    "of the free device memory", above=0.0)
    threads: int | None = option(None, "CPU threads during fit (default: 1 for a small "
                                 "training step, "
                                 "torch's setting otherwise)", minimum=1)
    repair_rounds: int = option(
        3, "repair a settled wrong program by up to this many one-clause swaps, scored exactly "
        "(0: plain ∂ILP)", minimum=0, aliases=("--polish-rounds",))
    gumbel_scale: float = option(0.0, "Gumbel noise added to the weights in each training step "
                                 "(0: plain ∂ILP)", minimum=0.0)

    def check(self) -> None:
        rows = parse_optimizers(self.optimizer, self.lr)
        if self.lr is not None and all(":" in part for part in self.optimizer.split(",")):
            raise NeurosymError(
                f"LearnerConfig.lr {self.lr} would be ignored: every entry of optimizer "
                f"{self.optimizer!r} has its own learning rate; leave lr unset or write the rate "
                f"into the optimizer (e.g. {rows[0][0]}:{self.lr})")

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Settings saved by earlier versions: before repair and training noise (plain ∂ILP), before
        the early checks and the time limit, and with ``lr`` always written (dropped where the
        optimizer ignored it)."""
        if "repair_rounds" not in data:
            data.setdefault("polish_rounds", 0)
        data.setdefault("gumbel_scale", 0.0)
        data.setdefault("first_check", data.get("check_every", cls.check_every))
        data.setdefault("time_limit", None)
        optimizer = data.get("optimizer", cls.optimizer)
        if all(":" in part for part in str(optimizer).split(",")):
            data["lr"] = None
        return data

    def allowed(self, labels: int) -> int:
        """Labels a verified program may contradict, out of ``labels`` (:func:`allowed_errors`)."""
        return allowed_errors(self.max_contradicted, labels)

