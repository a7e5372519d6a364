"""The torch data layer: vocabularies, encode/decode, padded batches."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from neurosym.tasks import Example, Vocab, collate, load_compositional_task, make_batches


@pytest.fixture(scope="module")
def colours():
    return load_compositional_task("fewshot/colours")


def test_specials_and_order():
    v = Vocab(["walk", "jump", "walk"])
    assert v.itos == ["<pad>", "<sos>", "<eos>", "<unk>", "walk", "jump"]
    assert (v.pad_id, v.sos_id, v.eos_id, v.unk_id) == (0, 1, 2, 3)
    assert len(v) == 6 and "jump" in v and "run" not in v


def test_encode_decode_round_trip(colours):
    examples = colours.generate()
    vin = Vocab.from_examples(examples, "input")
    vout = Vocab.from_examples(examples, "output")
    assert set(vin.itos[4:]) == set(colours.input_vocabulary)
    assert set(vout.itos[4:]) == {"RED", "GREEN", "BLUE", "YELLOW"}
    for e in examples:
        assert vin.decode(vin.encode(e.input)) == list(e.input)
        assert vout.decode(vout.encode(e.output, sos=True)) == list(e.output)
    assert vin.encode(["dax", "nope"], eos=False) == [vin.stoi["dax"], vin.unk_id]
    assert vin.decode([vin.stoi["dax"], vin.eos_id, vin.stoi["wif"]]) == ["dax"]  # stops at <eos>
    assert Vocab.from_dict(vin.to_dict()) == vin


def test_collate_shapes_and_padding():
    examples = [Example(("a",), ("X", "Y", "Z")), Example(("a", "b", "c"), ("Y",))]
    vin, vout = Vocab(["a", "b", "c"]), Vocab(["X", "Y", "Z"])
    batch = collate(examples, vin, vout, device="cpu")
    assert batch.inputs.shape == (2, 4) and batch.inputs.dtype == torch.long  # 3 words + <eos>
    assert batch.input_lengths.tolist() == [2, 4]
    assert batch.inputs[0].tolist() == [4, 2, 0, 0]
    assert batch.targets.shape == (2, 5)  # <sos> X Y Z <eos>
    assert batch.targets[1].tolist() == [1, 5, 2, 0, 0]
    assert batch.target_lengths.tolist() == [5, 3]
    assert batch.trees is None and len(batch) == 2


def test_make_batches(colours):
    examples = colours.generate()
    vin = Vocab.from_examples(examples, "input")
    vout = Vocab.from_examples(examples, "output")
    batches = make_batches(examples, vin, vout, batch_size=64, device="cpu", shuffle_seed=3, parse=colours.parse)
    assert [len(b) for b in batches] == [64] * 9 + [24]
    assert Counter(e for b in batches for e in b.examples) == Counter(examples)
    again = make_batches(examples, vin, vout, batch_size=64, device="cpu", shuffle_seed=3)
    assert all(torch.equal(a.inputs, b.inputs) for a, b in zip(batches, again))
    unshuffled = make_batches(examples, vin, vout, batch_size=64)
    assert unshuffled[0].examples == examples[:64]
    first = batches[0]
    assert first.trees == [colours.parse(e.input) for e in first.examples]
    for row, length, e in zip(first.inputs, first.input_lengths, first.examples):
        assert vin.decode(row.tolist()) == list(e.input)
        assert int(length) == len(e.input) + 1
        assert row[int(length):].eq(0).all()
    with pytest.raises(ValueError):
        make_batches(examples, vin, vout, batch_size=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_batches_on_cuda(colours):
    examples = colours.generate()[:10]
    vin, vout = Vocab.from_examples(examples, "input"), Vocab.from_examples(examples, "output")
    batch = collate(examples, vin, vout, device="cuda")
    assert batch.inputs.is_cuda and batch.input_lengths.is_cuda and batch.targets.is_cuda
