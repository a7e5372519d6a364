"""ConceptTable: names <-> ids <-> arities, embeddings, checks, JSON."""

import pytest
import torch

from neurosym.concepts.table import ConceptTable
from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode as N


def test_lookup_and_arity():
    t = ConceptTable({"and": 2, "twice": 1, "walk": 0})
    assert t.index("twice") == 1 and t.arity("and") == 2 and t.max_arity == 2
    assert t.names == ["and", "twice", "walk"] and "walk" in t and "run" not in t
    assert [c.lexical for c in t] == [False, False, True]
    assert t.arity_tensor().tolist() == [2, 1, 0]


def test_unknown_concept_names_the_alternatives():
    t = ConceptTable({"walk": 0, "twice": 1})
    with pytest.raises(NeurosymError, match="unknown concept 'run'.*walk, twice"):
        t.index("run")


def test_check_tree_rejects_wrong_arity():
    t = ConceptTable({"twice": 1, "walk": 0})
    t.check_tree(N("twice", (N("walk"),)))
    with pytest.raises(NeurosymError, match="has 0 children but the grammar alternative takes 1"):
        t.check_tree(N("twice"))


def test_embedding_rows_per_copy():
    t = ConceptTable({"a": 0, "b": 1})
    emb = t.embedding(5, copies=3, dtype=torch.float64)
    assert emb.weight.shape == (6, 5) and emb.weight.dtype == torch.float64


def test_json_round_trip_and_equality():
    t = ConceptTable({"a": 0, "b": 2})
    assert ConceptTable.from_json(t.to_json()) == t
    assert ConceptTable({"b": 2, "a": 0}) != t  # order is part of the ids


def test_concepts_in():
    t = ConceptTable({"twice": 1, "walk": 0, "run": 0})
    assert t.concepts_in([N("twice", (N("walk"),))]) == {"twice", "walk"}
