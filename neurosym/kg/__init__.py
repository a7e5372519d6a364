"""Rule learning on knowledge graphs: soft chain rules (Neural LP / DRUM) over sparse graphs."""

from neurosym.kg.config import KGConfig
from neurosym.kg.learner import ChainRuleLearner
from neurosym.kg.rules import ChainRule, exact_predictions, precision_recall, rules_program

__all__ = ["ChainRule", "ChainRuleLearner", "KGConfig", "exact_predictions", "precision_recall",
           "rules_program"]
