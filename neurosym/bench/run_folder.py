"""One training run's folder: config, metrics as JSON lines, checkpoint, result, learning curve.

Layout of ``<out>/<split>-<model>-seed<k>/``::

    config.json          what was run (split, model, seed, options, data), written first
    metrics.jsonl        one JSON object per line, appended as training goes (always written:
                         resuming and the plot read it)
    metrics.csv          the same lines as a table (``--logger csv``; columns added as they appear)
    tensorboard/         the numbers as TensorBoard scalars (``--logger tensorboard``; needs
                         pip install 'neurosym[tensorboard]')
    checkpoint/          the learner's checkpoint (written atomically by learner.save)
    result.json          the evaluation, written last: a run with result.json is finished
    errors.txt           up to 200 test inputs the model got wrong, with gold and prediction
    rules.txt            the learned rules, when the model learns rules (``--model neurosym``)
    learning_curve.png   loss and running accuracy per step (needs matplotlib: pip install
    'neurosym[plot]')
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Literal

from neurosym.errors import NeurosymError
from neurosym.io import atomic_write, atomic_write_json, atomic_write_text, read_json, read_text

PLOT_MISSING = (
    "matplotlib is not installed, so no learning-curve plot was drawn (pip install "
    "'neurosym[plot]')"
)
LOGGERS = ("jsonl", "csv", "tensorboard")
Logger = Literal["jsonl", "csv", "tensorboard"]
LOGGER_HELP = (
    "where the metrics go besides metrics.jsonl (always written): jsonl (nothing more), "
    "csv (metrics.csv), tensorboard (tensorboard/; pip install 'neurosym[tensorboard]')"
)
TENSORBOARD_MISSING = (
    "--logger tensorboard needs TensorBoard, which is not installed: "
    "pip install 'neurosym[tensorboard]'"
)


class RunFolder:
    def __init__(self, path: str | Path, logger: Logger = "jsonl") -> None:
        """``logger``: jsonl, csv or tensorboard (see :data:`LOGGER_HELP`); checked here, so a
        missing TensorBoard is reported before any training."""
        self.path = Path(path)
        if logger not in LOGGERS:
            raise NeurosymError(f"--logger must be one of {', '.join(LOGGERS)}, got {logger!r}")
        self.logger = logger
        self._writer: _CsvWriter | _TensorBoardWriter | None = (
            _CsvWriter(self.path / "metrics.csv")
            if logger == "csv"
            else _TensorBoardWriter(self.path / "tensorboard")
            if logger == "tensorboard"
            else None
        )

    config_path = property(lambda self: self.path / "config.json")
    metrics_path = property(lambda self: self.path / "metrics.jsonl")
    checkpoint_dir = property(lambda self: self.path / "checkpoint")
    result_path = property(lambda self: self.path / "result.json")
    errors_path = property(lambda self: self.path / "errors.txt")
    rules_path = property(lambda self: self.path / "rules.txt")
    plot_path = property(lambda self: self.path / "learning_curve.png")

    @classmethod
    def create(
        cls, path: str | Path, config: dict[str, Any], logger: Logger = "jsonl"
    ) -> RunFolder:
        """A new run folder with config.json written; refuses a folder that already holds files."""
        folder = cls(path, logger)
        if folder.exists():
            raise NeurosymError(f"{folder.path} already holds files; choose another --out folder")
        folder.write_config(config)
        return folder

    def exists(self) -> bool:
        return self.path.is_dir() and any(self.path.iterdir())

    def has_checkpoint(self) -> bool:
        return self.checkpoint_dir.is_dir() and any(self.checkpoint_dir.iterdir())

    def write_config(self, config: dict[str, Any]) -> None:
        atomic_write_json(self.config_path, config)

    def read_config(self) -> dict[str, Any]:
        return _read_json(self.config_path, "the run's configuration")

    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one line (the file is opened, written and closed each time, so a crash loses at
        most it)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self.metrics_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if self._writer is not None:
            self._writer.log(record, self.read_metrics)

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every complete line of metrics.jsonl (a torn last line from a crash is skipped)."""
        if not self.metrics_path.exists():
            return []
        out = []
        for line in read_text(self.metrics_path, what="metrics file").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def truncate_metrics(self, after_step: int) -> None:
        """On resume: drop training lines logged after the checkpoint's step (they will be
        redone)."""
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= after_step]
        atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in kept))
        if isinstance(self._writer, _CsvWriter):
            self._writer.rewrite(kept)

    def write_result(self, result: dict[str, Any]) -> None:
        atomic_write_json(self.result_path, result)

    def read_result(self) -> dict[str, Any] | None:
        return (
            _read_json(self.result_path, "the run's result") if self.result_path.exists() else None
        )

    def plot_learning_curve(self, title: str) -> str | None:
        """Draw loss and running accuracy against step; returns a note instead when matplotlib is
        missing."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return PLOT_MISSING
        rows = [r for r in self.read_metrics() if "loss" in r and "event" not in r]
        if not rows:
            return "no training metrics to plot"
        steps = [r["step"] for r in rows]
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(steps, [r["loss"] for r in rows], color="tab:blue", label="loss")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss (log)")
        ax2 = ax.twinx()
        acc_rows = [r for r in rows if "acc" in r]  # "acc" is optional in a learner's metrics
        if acc_rows:
            ax2.plot(
                [r["step"] for r in acc_rows],
                [r["acc"] for r in acc_rows],
                color="tab:orange",
                label="running exact match (train batches)",
            )
        evals = [r for r in self.read_metrics() if r.get("event") in ("eval_during", "eval")]
        if evals:
            ax2.plot(
                [r["step"] for r in evals],
                [r["test_accuracy"] for r in evals],
                "o",
                color="tab:green",
                label="test exact match",
            )
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("exact match")
        fig.legend(loc="lower center", ncol=3, fontsize=8)
        ax.set_title(title)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        atomic_write(self.plot_path, lambda p: fig.savefig(p, format="png", dpi=100))
        plt.close(fig)
        return None


class _CsvWriter:
    """metrics.csv: one row per metrics line; a line with a new key rewrites the file with the
    wider header (empty cells where a line has no value)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: list[str] | None = None

    def log(self, record: dict[str, Any], all_records: Any) -> None:
        if self.header is None and self.path.exists():
            self.header = next(csv.reader(self.path.open(encoding="utf-8")), [])
        if self.header is None or not set(record) <= set(self.header):
            self.rewrite(all_records())
            return
        with self.path.open("a", encoding="utf-8", newline="") as f:
            f.write(self._rows([record]))

    def rewrite(self, records: list[dict[str, Any]]) -> None:
        self.header = list(dict.fromkeys(k for r in records for k in r))
        atomic_write_text(self.path, self._rows(records, header=True))

    def _rows(self, records: list[dict[str, Any]], header: bool = False) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.header or [], restval="", lineterminator="\n")
        if header:
            writer.writeheader()
        for r in records:
            writer.writerow(
                {
                    k: v if v is None or isinstance(v, (str, int, float)) else json.dumps(v)
                    for k, v in r.items()
                }
            )
        return buf.getvalue()


class _TensorBoardWriter:
    """Each number of a metrics line as a TensorBoard scalar at the line's step; an event line's
    numbers are tagged ``<event>/<key>`` (e.g. ``eval/test_accuracy``)."""

    def __init__(self, log_dir: Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise NeurosymError(TENSORBOARD_MISSING) from None
        self.log_dir = log_dir
        self._make = SummaryWriter
        self._writer: Any = None

    def log(self, record: dict[str, Any], all_records: Any = None) -> None:
        if self._writer is None:  # created on the first line, so a failed start leaves no folder
            self._writer = self._make(log_dir=str(self.log_dir))
        step, event = record.get("step", 0), record.get("event")
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                self._writer.add_scalar(f"{event}/{key}" if event else key, value, step)
        self._writer.flush()


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.exists():
        raise NeurosymError(
            f"{path}: missing ({what}); is this a folder written by 'neurosym scan run'?"
        )
    data = read_json(path, what=f"JSON file ({what}; delete the run folder and rerun)")
    if not isinstance(data, dict):
        raise NeurosymError(f"{path}: not {what} (a JSON object); delete the run folder and rerun")
    return data
