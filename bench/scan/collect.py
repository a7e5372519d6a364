"""Collect ``neurosym scan run`` summary JSONs into a Markdown table beside the published figures.

    python bench/scan/collect.py bench/scan/results > bench/scan/results/table.md

Standard library only (runs wherever the JSONs are).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SPLITS = ["simple", "length", "addprim_jump", "addprim_turn_left", "template_around_right",
          "template_jump_around_right", "template_opposite_right", "template_right"]

# Published exact-match test accuracy (%) of recurrent seq2seq baselines. Sources in
# bench/scan/RESULTS.md; "as reported, unverified" there means the table was not re-read for
# this file.
PUBLISHED = {
    "simple": "99.7 (L&B 2018, overall-best LSTM)",
    "length": "13.8 (L&B overall-best); 20.8 (best per split, GRU+attn)",
    "addprim_jump": "0.08 (L&B overall-best); 1.2 (best per split, LSTM+attn)",
    "addprim_turn_left": "90.3 (L&B overall-best)",
    "template_around_right": "2.46 ± 2.68 (Loula et al. 2018)",
    "template_jump_around_right": "98.43 ± 0.54 (Loula et al. 2018)",
    "template_opposite_right": "47.62 ± 17.72 (Loula et al. 2018)",
    "template_right": "23.49 ± 8.09 (Loula et al. 2018)",
}


def main(folder: str) -> None:
    rows = {}
    for path in sorted(Path(folder).glob("*.json")):
        data = json.loads(path.read_text())
        if "test_accuracy" in data and "split" in data:
            rows[(data["split"], data["model"])] = data
    models = sorted({m for _, m in rows})
    print(
        "| split | "
        + " | ".join(f"{m} test % (train %)" for m in models)
        + " | published (recurrent) |"
    )
    print("|---|" + "---|" * len(models) + "---|")
    for split in SPLITS + sorted({s for s, _ in rows} - set(SPLITS)):
        cells = []
        for m in models:
            d = rows.get((split, m))
            if d is None:
                cells.append("–")
                continue
            t, tr = d["test_accuracy"], d["train_accuracy"]
            std = f" ± {100 * t['std']:.2f}" if len(t["per_seed"]) > 1 else ""
            cells.append(f"{100 * t['mean']:.2f}{std} ({100 * tr['mean']:.1f})")
        print(f"| {split} | " + " | ".join(cells) + f" | {PUBLISHED.get(split, '')} |")
    if rows:
        any_row = next(iter(rows.values()))
        seeds = sorted({len(d["seeds"]) for d in rows.values()})
        steps = sorted({d["steps"] for d in rows.values()})
        print(
            f"\nseeds per cell: {seeds}; steps: {steps}; device: {any_row['device']}; torch "
            f"{any_row['versions'].get('torch')}; neurosym {any_row['versions'].get('neurosym')}"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/scan/results")
