"""The README points only at files in the repository; data it does not ship is described."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_relative_links_stay_inside_the_repository_and_exist():
    for target in re.findall(r"\]\(([^)#]+)[^)]*\)", README):
        if "://" in target:
            continue
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target


def test_no_file_outside_the_repository_is_referred_to():
    # a folder searched beside the repository may be named; a file there may not be pointed to
    outside = re.findall(r"`(\.\./[^`\s]+)`", README)
    assert all(p in ("../shared/scan", "../shared/mnist") for p in outside), outside


def test_data_folders_are_described():
    section = README.split("## Data folders", 1)[1].split("\n## ", 1)[0]
    for word in ("NEUROSYM_SCAN_DATA", "NEUROSYM_MNIST_DATA", "tasks.txt", "brendenlake/SCAN",
                 "t10k-images-idx3-ubyte.gz"):
        assert word in section, word
