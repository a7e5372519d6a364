"""neurosym: neuro-symbolic reasoning in PyTorch.

Differentiable ILP (rule learning), grammar-defined compositional tasks (SCAN),
and the parser that maps symbolic programs onto learned concept embeddings.
"""

__version__ = "0.1.0"

from neurosym.errors import NeurosymError, SourceError, TaskFileError  # noqa: E402

__all__ = ["__version__", "NeurosymError", "SourceError", "TaskFileError"]
