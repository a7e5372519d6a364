"""Every name in neurosym.__all__ resolves (the lazy re-exports point at real objects)."""

import neurosym


def test_every_public_name_resolves():
    for name in neurosym.__all__:
        assert getattr(neurosym, name) is not None, name


def test_bundled_grammars_and_tasks_are_found_through_the_package():
    from neurosym.resources import grammar_path, tasks_dir

    for name in ("datalog", "ilp_task", "compositional"):
        assert grammar_path(name).is_file()
    assert (tasks_dir() / "scan" / "scan.task").is_file()
    assert len(list((tasks_dir() / "ilp").glob("*.task"))) == 20


def test_type_checkers_see_every_lazy_name():
    """The ``if TYPE_CHECKING:`` imports, ``_LAZY`` and ``__all__`` name the same things."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(neurosym.__file__).read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and getattr(node.test, "id", None) == "TYPE_CHECKING")
    imported = {(n.module, a.name) for n in block.body for a in n.names}
    assert imported == {(module, name) for name, module in neurosym._LAZY.items()}
    assert set(neurosym.__all__) == {"__version__", "NeurosymError", "SourceError",
                                     "TaskFileError", *neurosym._LAZY}
    assert neurosym.LearnerConfig().steps == 2000 and neurosym.DifferentiableILP.from_templates
