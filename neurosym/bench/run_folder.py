"""One training run's folder: config, metrics as JSON lines, checkpoint, result, learning curve.

Layout of ``<out>/<split>-<model>-seed<k>/``::

    config.json          what was run (split, model, seed, options, data), written first
    metrics.jsonl        one JSON object per line, appended as training goes
    checkpoint/          the learner's checkpoint (written atomically by learner.save)
    result.json          the evaluation, written last: a run with result.json is finished
    errors.txt           up to 200 test inputs the model got wrong, with gold and prediction
    rules.txt            the learned rules, when the model learns rules (``--model neurosym``)
    learning_curve.png   loss and running accuracy per step (needs matplotlib: pip install 'neurosym[plot]')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from neurosym.errors import NeurosymError
from neurosym.io import atomic_write, atomic_write_json, atomic_write_text

PLOT_MISSING = "matplotlib is not installed, so no learning-curve plot was drawn (pip install 'neurosym[plot]')"


class RunFolder:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    config_path = property(lambda self: self.path / "config.json")
    metrics_path = property(lambda self: self.path / "metrics.jsonl")
    checkpoint_dir = property(lambda self: self.path / "checkpoint")
    result_path = property(lambda self: self.path / "result.json")
    errors_path = property(lambda self: self.path / "errors.txt")
    rules_path = property(lambda self: self.path / "rules.txt")
    plot_path = property(lambda self: self.path / "learning_curve.png")

    @classmethod
    def create(cls, path: str | Path, config: dict[str, Any]) -> RunFolder:
        """A new run folder with config.json written; refuses a folder that already holds files."""
        folder = cls(path)
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
        """Append one line (the file is opened, written and closed each time, so a crash loses at most it)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self.metrics_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every complete line of metrics.jsonl (a torn last line from a crash is skipped)."""
        if not self.metrics_path.exists():
            return []
        out = []
        for line in self.metrics_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def truncate_metrics(self, after_step: int) -> None:
        """On resume: drop training lines logged after the checkpoint's step (they will be redone)."""
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= after_step]
        atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in kept))

    def write_result(self, result: dict[str, Any]) -> None:
        atomic_write_json(self.result_path, result)

    def read_result(self) -> dict[str, Any] | None:
        return _read_json(self.result_path, "the run's result") if self.result_path.exists() else None

    def plot_learning_curve(self, title: str) -> str | None:
        """Draw loss and running accuracy against step; returns a note instead when matplotlib is missing."""
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
            ax2.plot([r["step"] for r in acc_rows], [r["acc"] for r in acc_rows], color="tab:orange",
                     label="running exact match (train batches)")
        evals = [r for r in self.read_metrics() if r.get("event") in ("eval_during", "eval")]
        if evals:
            ax2.plot([r["step"] for r in evals], [r["test_accuracy"] for r in evals], "o", color="tab:green",
                     label="test exact match")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("exact match")
        fig.legend(loc="lower center", ncol=3, fontsize=8)
        ax.set_title(title)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        atomic_write(self.plot_path, lambda p: fig.savefig(p, format="png", dpi=100))
        plt.close(fig)
        return None


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.exists():
        raise NeurosymError(f"{path}: missing ({what}); is this a folder written by 'neurosym scan run'?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise NeurosymError(f"{path}:{e.lineno}:{e.colno}: not valid JSON ({e.msg}); delete the run folder and rerun") from None
