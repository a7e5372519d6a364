"""Every ``neurosym ... --help`` reads as plain text: each argument has help, a default is shown
at most once and never as "(default: None)", and no reStructuredText markup leaks through."""

from __future__ import annotations

import argparse
import re

import pytest

from neurosym.cli import build_parser


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, parser) for the root and every subcommand, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, path + (name,))


PARSERS = dict(_parsers(build_parser()))
SKIP = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)


def test_the_walk_finds_every_command():
    for words in [("ilp", "learn"), ("ilp", "bench"), ("scan", "run"), ("scan", "generate"),
                  ("task", "check"), ("task", "generate"), ("demo",)]:
        assert words in PARSERS


@pytest.mark.parametrize("words", sorted(PARSERS), ids=lambda w: " ".join(w) or "neurosym")
def test_help_has_no_defects(words):
    parser = PARSERS[words]
    text = parser.format_help()
    assert "``" not in text and not re.search(r":\w+:`", text), "raw reStructuredText in the help"
    formatter = parser._get_formatter()
    for action in parser._actions:
        if isinstance(action, SKIP):
            continue
        name = action.option_strings[0] if action.option_strings else action.dest
        assert action.help and action.help.strip(), f"{name} has no help"
        shown = formatter._expand_help(action)
        assert "(default: None)" not in shown, f"{name}: {shown}"
        assert shown.count("(default") <= 1, f"{name} shows its default twice: {shown}"
        if action.required or not action.option_strings:
            assert "(default" not in shown, f"required {name} shows a default: {shown}"
