"""The shared machinery of the neural seq2seq baselines (recurrent and Transformer).

One class, :class:`NeuralSeq2Seq`, implements the :class:`~neurosym.seq2seq.base.Learner`
protocol around any network that offers two methods:

* ``loss_and_acc(src, src_len, tgt_in, tgt_out, teacher_forcing)`` ->
  ``(loss, exact)``: mean token cross-entropy and the fraction of sequences whose
  argmax prediction matches ``tgt_out`` at every non-pad position;
* ``greedy_decode(src, src_len, max_len)`` -> ``[batch, <= max_len]`` token ids,
  fed back one step at a time, stopping once every row has produced ``<eos>``.

Tensors: ``src [batch, src_len]`` (padded with 0), ``src_len [batch]``,
``tgt_in [batch, T]`` (``<sos>`` + output), ``tgt_out [batch, T]`` (output +
``<eos>``, padded with 0).

Training draws every batch *with replacement* from the training list (Lake &
Baroni 2018 sampled 100,000 single-example trials with replacement), so repeated
lines of a file (the lone primitive of the add-primitive splits) keep their weight.

Checkpoints are one ``checkpoint.safetensors`` (weights, Adam moments, RNG
states; metadata holds the JSON config, vocabularies and step) written
atomically, plus a human-readable ``checkpoint.json`` with the same metadata.
Loading needs no pickle.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import nn

from neurosym.config import Config, apply_overrides, option
from neurosym.errors import NeurosymError, ResourceLimitError
from neurosym.io import atomic_write, atomic_write_json
from neurosym.seq2seq.base import FitReport, ProgressCallback, read_checkpoint
from neurosym.tasks.examples import Example
from neurosym.versions import available_bytes

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
CHECKPOINT_FILE = "checkpoint.safetensors"
CHECKPOINT_JSON = "checkpoint.json"
FORMAT_VERSION = 1
MEMORY_FRACTION = 0.9  # of the device's free memory a training step may plan to use


class TokenVocab:
    """Token <-> id, with ``<pad>=0, <sos>=1, <eos>=2, <unk>=3`` then tokens in first-seen order."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens: list[str] = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def from_sequences(cls, seqs: Sequence[Sequence[str]]) -> TokenVocab:
        seen: dict[str, None] = {}
        for seq in seqs:
            for tok in seq:
                seen.setdefault(tok, None)
        return cls(list(seen))

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, seq: Sequence[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in seq]

    def decode(self, ids: Sequence[int]) -> tuple[str, ...]:
        """Tokens up to (not including) the first ``<eos>``; pads and ``<sos>`` dropped."""
        out = []
        for i in ids:
            if i == EOS:
                break
            if i in (PAD, SOS):
                continue
            out.append(self.tokens[i])
        return tuple(out)

    def to_json(self) -> list[str]:
        return self.tokens[len(SPECIALS):]


def pad_batch(
    rows: Sequence[Sequence[int]], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists with ``<pad>``: returns ``ids [batch, max_len]`` and ``lengths
    [batch]``."""
    width = max(max((len(r) for r in rows), default=1), 1)
    ids = torch.tensor([list(r) + [PAD] * (width - len(r)) for r in rows], dtype=torch.long)
    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    return ids.to(device), lengths.to(device)


class EncodedSet:
    """A training list encoded once into padded CPU tensors, so batches are index gathers.

    ``src [n, S]``, ``src_len [n]``, ``tgt_in [n, T+1]`` (``<sos>`` + output),
    ``tgt_out [n, T+1]`` (output + ``<eos>``), ``tgt_len [n]`` (output length + 1).
    """

    def __init__(
        self, examples: Sequence[Example], src_vocab: TokenVocab, tgt_vocab: TokenVocab
    ) -> None:
        self.src, self.src_len = pad_batch(
            [src_vocab.encode(e.input) for e in examples], torch.device("cpu")
        )
        outs = [tgt_vocab.encode(e.output) for e in examples]
        self.tgt_in, _ = pad_batch([[SOS] + o for o in outs], torch.device("cpu"))
        self.tgt_out, self.tgt_len = pad_batch([o + [EOS] for o in outs], torch.device("cpu"))

    def __len__(self) -> int:
        return self.src.shape[0]

    def batch(self, idx: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, ...]:
        """Gather rows ``idx [b]`` and trim padding to the longest row in the batch."""
        s_len = self.src_len[idx]
        t_len = self.tgt_len[idx]
        s_max, t_max = int(s_len.max()), int(t_len.max())
        return (
            self.src[idx, :s_max].to(device, non_blocking=True),
            s_len.to(device),
            self.tgt_in[idx, :t_max].to(device, non_blocking=True),
            self.tgt_out[idx, :t_max].to(device, non_blocking=True),
        )


def sequence_exact(logits: torch.Tensor, tgt_out: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose argmax ``logits [b, T, V]`` equal ``tgt_out [b, T]`` at every non-pad
    position."""
    ok = (logits.argmax(-1) == tgt_out) | (tgt_out == PAD)
    return ok.all(dim=1).float().mean()


def token_loss(logits: torch.Tensor, tgt_out: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over non-pad target tokens. ``logits [b, T, V]``, ``tgt_out [b, T]``."""
    return nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=PAD
    )


@dataclass(frozen=True)
class TrainConfig(Config):
    """Optimisation settings shared by the neural baselines (defaults: Lake & Baroni 2018,
    batched)."""

    batch_size: int = option(32, "training batch size", minimum=1)
    lr: float = option(1e-3, "Adam learning rate", minimum=0)
    grad_clip: float = option(
        5.0, "clip the gradient norm at this value (0: no clipping)", minimum=0
    )
    teacher_forcing: float = option(
        0.5, "probability that a batch is trained with teacher forcing", minimum=0, maximum=1
    )
    train_examples: int = option(
        100_000, "default step count = ceil(train_examples / batch_size)", minimum=1
    )
    warmup_steps: int = option(0, "linear learning-rate warm-up over this many steps", minimum=0)
    lr_decay: float = option(
        0.0,
        "> 0: decay the learning rate linearly to 0 over this final fraction of the steps",
        minimum=0,
        maximum=1,
    )
    adam_betas: tuple[float, float] = option((0.9, 0.999), "Adam's betas, each in [0, 1)")
    eval_batch_size: int = option(1024, "inputs decoded at once when predicting", minimum=1)
    max_decode_len: int | None = option(
        None, "longest output decoded (None: max(60, 2 * longest training output + 10))", minimum=1
    )

    def check(self) -> None:
        if not all(0 <= b < 1 for b in self.adam_betas):
            raise NeurosymError(
                f"TrainConfig.adam_betas must each be in [0, 1), got {self.adam_betas}"
            )

    def default_steps(self) -> int:
        return math.ceil(self.train_examples / self.batch_size)


def lr_scale(step: int, total: int, warmup_steps: int, decay: float) -> float:
    """Learning-rate factor at 0-based ``step`` of ``total``: linear warm-up, then optional linear
    decay to 0."""
    scale = min(1.0, (step + 1) / warmup_steps) if warmup_steps else 1.0
    if decay > 0:
        span = max(1, round(decay * total))
        scale *= min(1.0, (total - step) / span)
    return scale


@dataclass
class _State:
    step: int = 0
    seconds: float = 0.0
    max_train_out: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _flatten_optimizer(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], str]:
    """Adam state as named tensors + param-group hyper-parameters as JSON (no pickle)."""
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    for pid, st in sd["state"].items():
        for key, val in st.items():
            t = val if torch.is_tensor(val) else torch.tensor(val)
            tensors[f"optim.{pid}.{key}"] = t.detach().contiguous()
    groups = [
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
        for g in sd["param_groups"]
    ]
    return tensors, json.dumps(groups)


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], groups_json: str) -> dict[str, Any]:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, t in tensors.items():
        if not name.startswith("optim."):
            continue
        _, pid, key = name.split(".", 2)
        state.setdefault(int(pid), {})[key] = t
    groups = json.loads(groups_json)
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    return {"state": state, "param_groups": groups}


class NeuralSeq2Seq:
    """A Learner around an ``nn.Module`` built by ``build(src_vocab_size, tgt_vocab_size)``.

    The network is created on the first ``fit`` (vocabularies come from the
    training data) or by ``load_checkpoint``. ``fit(train, steps=S)`` trains until
    the learner has done ``S`` steps in total, so a learner restored from a
    checkpoint continues where it stopped (optimizer and RNG state included).
    """

    name = "neural"

    def __init__(
        self,
        *,
        name: str,
        build: Callable[[int, int], nn.Module],
        model_config: Any,
        train_config: TrainConfig,
        device: torch.device,
        seed: int,
        src_tokens: Sequence[str] | None = None,
    ) -> None:
        """``src_tokens``: the input vocabulary fixed in advance (default: the tokens of the
        first training inputs)."""
        self.name = name
        self.src_tokens = src_tokens
        self._build = build
        self.model_config = model_config
        self.train_config = train_config
        self.device = torch.device(device)
        self.seed = seed
        self.src_vocab: TokenVocab | None = None
        self.tgt_vocab: TokenVocab | None = None
        self.net: nn.Module | None = None
        self.opt: torch.optim.Optimizer | None = None
        self.state = _State()
        self._sampler = torch.Generator().manual_seed(seed)
        self._rng: dict[str, torch.Tensor] = {}  # torch's global RNG states while this learner runs

    # ------------------------------------------------------------ own RNG
    @contextmanager
    def _own_rng(self) -> Iterator[None]:
        """Run with this learner's global-RNG states (initial weights, dropout) swapped in; on exit
        keep them for the next call and give the process back its own states, untouched."""
        cuda = self.device.type == "cuda"
        with torch.random.fork_rng(devices=range(torch.cuda.device_count()) if cuda else []):
            if self._rng:
                torch.set_rng_state(self._rng["cpu"])
                if cuda and "cuda" in self._rng:
                    torch.cuda.set_rng_state(self._rng["cuda"], self.device)
            else:
                torch.manual_seed(self.seed)  # same initial weights for a seed, on any device
            try:
                yield
            finally:
                self._rng = {"cpu": torch.get_rng_state()}
                if cuda:
                    self._rng["cuda"] = torch.cuda.get_rng_state(self.device)

    # ------------------------------------------------------------------ set-up
    def _create(self, src_vocab: TokenVocab, tgt_vocab: TokenVocab) -> None:
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self._rng = {}  # seeded afresh: training's dropout continues from where the build left it
        with self._own_rng():
            self.net = self._build(len(src_vocab), len(tgt_vocab)).to(self.device)
        tc = self.train_config
        self.opt = torch.optim.Adam(self.net.parameters(), lr=tc.lr, betas=tc.adam_betas)

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this learner: name, seed, model and training settings."""
        return {
            "learner": self.name,
            "seed": self.seed,
            "model": self.model_config.to_json(),
            "train": self.train_config.to_json(),
        }

    def default_steps(self) -> int:
        """Steps ``fit(steps=None)`` runs: ``ceil(train_examples / batch_size)``."""
        return self.train_config.default_steps()

    @property
    def step(self) -> int:
        """Optimizer steps done so far (restored by ``load_checkpoint``)."""
        return self.state.step

    def max_decode_len(self) -> int:
        if self.train_config.max_decode_len is not None:
            return self.train_config.max_decode_len
        return max(60, 2 * self.state.max_train_out + 10)

    def num_parameters(self) -> int:
        return 0 if self.net is None else sum(p.numel() for p in self.net.parameters())

    # ------------------------------------------------------------------ train
    def fit(
        self,
        train: Sequence[Example],
        *,
        steps: int | None = None,
        callback: ProgressCallback | None = None,
    ) -> FitReport:
        if not train:
            raise NeurosymError("cannot train on an empty training set")
        tc = self.train_config
        if self.net is None:
            self._create(
                TokenVocab(self.src_tokens)
                if self.src_tokens is not None
                else TokenVocab.from_sequences([e.input for e in train]),
                TokenVocab.from_sequences([e.output for e in train]),
            )
        assert self.net is not None and self.opt is not None and self.src_vocab and self.tgt_vocab
        self.state.max_train_out = max(self.state.max_train_out, max(len(e.output) for e in train))
        data = EncodedSet(train, self.src_vocab, self.tgt_vocab)
        self._check_memory(data)
        total = tc.default_steps() if steps is None else steps
        start_step, start_seconds = self.state.step, self.state.seconds
        t0 = time.perf_counter()
        loss_val: float | None = None
        self.net.train()
        with self._own_rng():
            while self.state.step < total:
                idx = torch.randint(len(data), (tc.batch_size,), generator=self._sampler)
                teacher = bool(torch.rand((), generator=self._sampler) < tc.teacher_forcing)
                src, src_len, tgt_in, tgt_out = data.batch(idx, self.device)
                if tc.warmup_steps or tc.lr_decay:
                    scale = lr_scale(self.state.step, total, tc.warmup_steps, tc.lr_decay)
                    for g in self.opt.param_groups:
                        g["lr"] = tc.lr * scale
                loss, exact = self.net.loss_and_acc(src, src_len, tgt_in, tgt_out, teacher)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                if tc.grad_clip:
                    nn.utils.clip_grad_norm_(self.net.parameters(), tc.grad_clip)
                self.opt.step()
                self.state.step += 1
                self.state.seconds = start_seconds + time.perf_counter() - t0
                if callback is not None:
                    loss_val = float(loss.detach())
                    callback(
                        self.state.step,
                        {"loss": loss_val, "acc": float(exact), "teacher_forcing": float(teacher)},
                    )
        self.net.eval()
        if loss_val is None and self.state.step > start_step:
            loss_val = float(loss.detach())
        return FitReport(
            steps=self.state.step,
            seconds=self.state.seconds,
            final_loss=loss_val,
            extra={
                "examples_seen": self.state.step * tc.batch_size,
                "parameters": self.num_parameters(),
            },
        )

    def _check_memory(self, data: EncodedSet) -> None:
        """Refuse before training when a step over the longest examples would not fit: the
        network's ``activation_bytes`` at ``batch_size`` plus weights, gradients and Adam's two
        moments; the message names the batch size that fits."""
        estimate = getattr(self.net, "activation_bytes", None)
        free = available_bytes(self.device)
        if estimate is None or free is None:
            return
        S, T, b = int(data.src_len.max()), int(data.tgt_len.max()), self.train_config.batch_size
        fixed = 4 * 4 * self.num_parameters()
        need = estimate(b, S, T) + fixed
        budget = MEMORY_FRACTION * free
        if need <= budget:
            return
        fits = int((budget - fixed) // estimate(1, S, T))
        hint = (f"lower batch_size from {b} to at most {fits} (-o batch_size={fits})" if fits >= 1
                else f"shorten the longest output ({T - 1} tokens) or input ({S} tokens)")
        raise ResourceLimitError(
            f"a training step of the {self.name} model over the longest examples (input {S}, "
            f"output {T - 1} tokens, batch {b}) needs about {need / 2**30:.2f} GiB but "
            f"{self.device.type} allows {budget / 2**30:.2f} GiB: {hint}"
        )

    # ---------------------------------------------------------------- predict
    @torch.no_grad()
    def predict(self, inputs: Sequence[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
        """Free greedy decoding in batches of ``eval_batch_size``; never sees gold lengths."""
        if self.net is None or self.src_vocab is None or self.tgt_vocab is None:
            raise NeurosymError(
                "predict() before fit() or load_checkpoint(): train or load a model first"
            )
        was_training = (
            self.net.training
        )  # predict() may be called mid-training (runner's --eval-every)
        self.net.eval()
        max_len = self.max_decode_len()
        # sort by input length so batches carry little padding; restore order after
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))
        result: list[tuple[str, ...] | None] = [None] * len(inputs)
        bs = self.train_config.eval_batch_size
        for lo in range(0, len(order), bs):
            chunk = order[lo : lo + bs]
            src, src_len = pad_batch([self.src_vocab.encode(inputs[i]) for i in chunk], self.device)
            ids = self.net.greedy_decode(src, src_len, max_len).tolist()
            for i, row in zip(chunk, ids):
                result[i] = self.tgt_vocab.decode(row)
        self.net.train(was_training)
        return result

    # ------------------------------------------------------------ checkpoints
    def save(self, path: str | Path) -> None:
        """Write ``path/checkpoint.safetensors`` (atomic) and ``path/checkpoint.json``."""
        if self.net is None or self.opt is None or self.src_vocab is None or self.tgt_vocab is None:
            raise NeurosymError("nothing to save: the model has not been trained or loaded")
        path = Path(path)
        tensors = {f"model.{k}": v.detach().contiguous() for k, v in self.net.state_dict().items()}
        opt_tensors, groups = _flatten_optimizer(self.opt)
        tensors.update(opt_tensors)
        tensors["rng.sampler"] = self._sampler.get_state()
        tensors["rng.torch_cpu"] = self._rng["cpu"]
        if "cuda" in self._rng:
            tensors["rng.torch_cuda"] = self._rng["cuda"]
        tensors = {k: v.cpu() for k, v in tensors.items()}
        meta = {
            "format": FORMAT_VERSION,
            "config": self.config(),
            "src_vocab": self.src_vocab.to_json(),
            "tgt_vocab": self.tgt_vocab.to_json(),
            "step": self.state.step,
            "seconds": self.state.seconds,
            "max_train_out": self.state.max_train_out,
        }
        metadata = {"neurosym": json.dumps(meta), "optim_groups": groups}
        atomic_write(
            path / CHECKPOINT_FILE, lambda p: save_file(tensors, str(p), metadata=metadata)
        )
        atomic_write_json(path / CHECKPOINT_JSON, meta)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore weights, optimizer, step and RNG state from ``save``'s folder."""
        file, meta, tensors, metadata = read_checkpoint(path, CHECKPOINT_FILE)
        if meta["config"]["learner"] != self.name:
            raise NeurosymError(
                f"{file}: checkpoint of model {meta['config']['learner']!r}, but this learner is "
                f"{self.name!r}; use --model {meta['config']['learner']}"
            )
        if meta["config"]["model"] != self.model_config.to_json():
            raise NeurosymError(
                f"{file}: model settings differ from the checkpoint's {meta['config']['model']}; "
                "build the learner with the checkpoint's settings (the runner reads them from "
                "config.json)"
            )
        self._create(TokenVocab(meta["src_vocab"]), TokenVocab(meta["tgt_vocab"]))
        assert self.net is not None and self.opt is not None
        self.net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.opt.load_state_dict(_unflatten_optimizer(tensors, metadata["optim_groups"]))
        self._sampler.set_state(tensors["rng.sampler"])
        self._rng = {"cpu": tensors["rng.torch_cpu"]}
        if self.device.type == "cuda" and "rng.torch_cuda" in tensors:
            self._rng["cuda"] = tensors["rng.torch_cuda"]
        self.state = _State(
            step=meta["step"], seconds=meta["seconds"], max_train_out=meta["max_train_out"]
        )
        self.net.eval()


def neural_learner(
    name: str,
    model_config: Any,
    train_config: TrainConfig,
    build: Callable[..., nn.Module],
    options: dict[str, Any],
    *,
    device: torch.device,
    seed: int,
    src_tokens: Sequence[str] | None = None,
) -> NeuralSeq2Seq:
    """A baseline learner: ``options`` override the frozen network and training configs (checked),
    and ``build(src_vocab_size, tgt_vocab_size, config)`` makes the network; ``src_tokens`` as for
    :class:`NeuralSeq2Seq`."""
    net, tc = apply_overrides(options, model_config, train_config, what=f"the {name} model")
    return NeuralSeq2Seq(
        name=name,
        build=lambda sv, tv: build(sv, tv, net),
        model_config=net,
        train_config=tc,
        device=device,
        seed=seed,
        src_tokens=src_tokens,
    )
