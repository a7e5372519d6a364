"""The output template: one type for a task file's meanings and learned meanings."""

import pytest

from neurosym.errors import TaskFileError
from neurosym.tasks.compositional import load_compositional_task
from neurosym.tasks.meaning import parse_template
from neurosym.tasks.template import Item, ItemKind, Template, param_names

AROUND = Template("around", 2, (Item(ItemKind.CHILD, 1), Item(ItemKind.TOKEN, "L"),
                                Item(ItemKind.REVERSE, 0)))


def test_execute_expands_children_tokens_and_reversed_children():
    assert AROUND.execute([("A", "B"), ("C",)]) == ("C", "L", "B", "A")
    assert AROUND.tokens == ("L",)
    assert Template("turn", 0).execute([]) == ()


@pytest.mark.parametrize("text", [
    "around(x, y) = y L reverse(x)", "turn =", "walk = I_WALK", 'say = "hello" WORLD',
    "wide(x, y, z, x4) = x4 z",
])
def test_text_parses_back(text):
    template = parse_template(text)
    assert str(template) == text and parse_template(str(template)) == template


def test_parsed_text_is_the_template_and_child_names_are_not_part_of_it():
    assert parse_template("around(x, y) = y L reverse(x)") == AROUND
    renamed = parse_template("around(u, d) = d L reverse( u )")
    assert renamed == AROUND and hash(renamed) == hash(AROUND)
    assert str(renamed) == "around(u, d) = d L reverse(u)"
    assert parse_template("around(x, y, z) = y L reverse(x)") != AROUND  # another arity
    assert parse_template("turned(x, y) = y L reverse(x)") != AROUND  # another alternative


def test_default_child_names():
    assert param_names(5) == ("x", "y", "z", "x4", "x5")
    assert str(Template("wide", 4, (Item(ItemKind.CHILD, 3),))) == "wide(x, y, z, x4) = x4"
    with pytest.raises(ValueError):
        Template("twice", 1, (), ("x", "y"))


@pytest.mark.parametrize("text,message", [
    ("twice(x) = x y", "refers to a child 'y'"),
    ("pair(x, x) = x", "used twice"),
    ('walk = "two words"', "must be one word"),
    ("twice(x) x x", "syntax error"),
])
def test_parse_errors_name_the_problem(text, message):
    with pytest.raises(TaskFileError, match=message):
        parse_template(text)


def test_task_meanings_are_templates():
    scan = load_compositional_task("scan/scan")
    assert scan.templates["around"] == parse_template("around(x, y) = y x y x y x y x")
    assert str(scan.templates["around"]) == "around(u, d) = d u d u d u d u"
    assert all(parse_template(str(t)) == t for t in scan.templates.values())
