"""The bridge: grammar alternatives as concepts with learned embeddings, and learned composition.

- :class:`ConceptTable` -- names <-> ids <-> arities, and ``nn.Embedding`` rows for them.
- :func:`batch_trees` -- parse trees as level-ordered index tensors (no loop over examples).
- :class:`SoftTemplates` / :func:`root_probabilities` -- each concept's embedding read as a
  distribution over output templates; exact P(output | parse tree) by a span chart.
- :class:`TemplateLearner` -- learns a :class:`Program` (one
  :class:`~neurosym.tasks.template.Template` per concept) from pairs.
- :class:`PerceptLearner` -- the same, with some leaves perceived (images through a
  percept encoder), marginalised exactly; learns the encoder too.
"""

from neurosym.concepts.batching import TreeBatch, TreeLevel, batch_trees
from neurosym.concepts.chart import root_probabilities
from neurosym.concepts.composition import SoftTemplates, TemplateSpace
from neurosym.concepts.learn import LearnConfig, TemplateLearner, TemplateLearnResult
from neurosym.concepts.perceived import PerceptConfig, PerceptLearner, PerceptResult
from neurosym.concepts.table import Concept, ConceptTable
from neurosym.concepts.templates import Program

__all__ = [
    "Concept", "ConceptTable", "LearnConfig", "PerceptConfig", "PerceptLearner", "PerceptResult",
    "Program", "SoftTemplates",
    "TemplateLearnResult", "TemplateLearner", "TemplateSpace", "TreeBatch", "TreeLevel",
    "batch_trees", "root_probabilities",
]
