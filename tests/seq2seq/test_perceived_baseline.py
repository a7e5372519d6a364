"""The LSTM baseline's input on perceived words: words through the table, images through a CNN."""

import torch
from torch import nn

from neurosym.seq2seq.perceived_baseline import (
    PerceivedEmbedding,
    item_token,
    perceived_inputs,
    perceived_recurrent,
)
from neurosym.tasks.examples import Example


def test_embedding_reads_words_by_row_and_items_by_cnn():
    torch.manual_seed(0)
    items = torch.rand(5, 1, 28, 28)
    emb = PerceivedEmbedding(nn.Embedding(6, 8, padding_idx=0), items)
    emb.eval()  # the CNN's dropout off: the same image gives the same features each call
    src = torch.tensor([[4, 6 + 3, 5, 0], [6 + 0, 6 + 4, 0, 0]])
    out = emb(src)
    assert out.shape == (2, 4, 8)
    assert torch.equal(out[0, 0], emb.table.weight[4]) and torch.equal(out[1, 2], torch.zeros(8))
    assert torch.allclose(out[0, 1], emb.cnn(items[3:4])[0], atol=1e-6)
    assert torch.allclose(out[1, 1], emb.cnn(items[4:5])[0], atol=1e-6)
    out.sum().backward()  # the output's gradient reaches the CNN
    assert emb.cnn.head[-1].weight.grad.abs().sum() > 0
    assert "items" not in emb.state_dict()


def test_perceived_inputs_and_a_few_training_steps():
    inputs = [("dax", "twice"), ("wif", "and", "dax")]
    seen = perceived_inputs(inputs, [[7], [2, 9]], ("dax", "wif"))
    assert seen == [(item_token(7), "twice"), (item_token(2), "and", item_token(9))]
    learner = perceived_recurrent(["and", "twice"], torch.rand(10, 1, 28, 28),
                                  {"hidden": 8, "layers": 1, "batch_size": 2},
                                  device=torch.device("cpu"), seed=0)
    train = [Example(i, o) for i, o in zip(seen, [("R", "R"), ("B", "R")])]
    report = learner.fit(train, steps=3)
    assert report.steps == 3
    # an item never seen in training still has an input token (the whole pool is the vocabulary)
    (pred,) = learner.predict([(item_token(5), "and", item_token(0))])
    assert isinstance(pred, tuple)
