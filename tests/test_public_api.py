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
