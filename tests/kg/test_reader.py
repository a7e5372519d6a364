"""The triple-folder reader: vocabularies, inverses, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurosym.tasks.kg import KGFormatError, load_kg

DATA = Path("/work/shared/kg")


def _folder(tmp_path: Path, **splits: str) -> Path:
    base = {"facts": "a\tr\tb\nb\tr\tc\n", "train": "a\ts\tc\n", "valid": "", "test": "b\ts\tc\n"}
    base.update(splits)
    for name, text in base.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    return tmp_path


def test_reads_vocab_and_adds_inverses(tmp_path: Path) -> None:
    kg = load_kg(_folder(tmp_path))
    assert kg.entities == ("a", "b", "c") and kg.relations == ("r", "s")
    assert kg.splits["facts"].tolist() == [[0, 0, 1], [1, 0, 2]]
    assert kg.with_inverses("facts").tolist() == [[0, 0, 1], [1, 0, 2], [1, 2, 0], [2, 2, 1]]
    assert kg.relation_name(3) == "inv_s"


def test_wrong_field_count_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(KGFormatError, match=r"train\.txt:2: expected 3 tab-separated fields"):
        load_kg(_folder(tmp_path, train="a\ts\tc\na s c\n"))


def test_unknown_entity_against_entities_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "entities.txt").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(KGFormatError, match=r"facts\.txt:2: unknown entity 'c'"):
        load_kg(folder)


def test_reserved_inverse_prefix(tmp_path: Path) -> None:
    with pytest.raises(KGFormatError, match="reserved for inverses"):
        load_kg(_folder(tmp_path, test="b\tinv_s\tc\n"))


def test_datalog_names_are_valid_and_distinct(tmp_path: Path) -> None:
    kg = load_kg(_folder(tmp_path, train="a\tIsa\tc\na\tisa\tb\na\tpart-of\tc\n"))
    assert kg.relations == ("r", "Isa", "isa", "part-of", "s")
    assert kg.datalog_names() == ["r", "isa", "isa_", "part_of", "s"]


@pytest.mark.skipif(not DATA.exists(), reason="the Neural LP data sets are not in /work/shared/kg")
def test_real_sets_match_their_published_sizes() -> None:
    sizes = {"family": (3007, 12, 17615), "kinship": (104, 25, 6375), "umls": (135, 46, 4006)}
    for name, (ents, rels, facts) in sizes.items():
        kg = load_kg(DATA / name)
        assert (kg.num_entities, kg.num_relations, len(kg.splits["facts"])) == (ents, rels, facts)
