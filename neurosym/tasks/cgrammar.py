"""The input language of a compositional task: checked rules, and the lark parser built from them.

Every alternative is named (``phrase "twice" -> twice``) except pass-throughs
(an alternative that is exactly one nonterminal, e.g. ``| phrase``), which add
no node to the parse tree. Keywords (quoted words) belong to their alternative;
the *children* of a named alternative are its nonterminals, in order.

The parser is lark, built from the same rules: LALR(1) when the grammar allows
it without any conflict (then it is unambiguous by construction; a shift/reduce conflict is not
settled silently), Earley otherwise (then ambiguity is checked on the enumerated or sampled
sentences, see :mod:`neurosym.tasks.enumerate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import GrammarError, UnexpectedInput
from lark.lexer import Lexer
from lark.parsers.earley_forest import PackedNode, SymbolNode

from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode
from neurosym.tasks.taskfile import AlternativeSpec, TaskSpec, Where


class ParseFailure(NeurosymError):
    """A sentence is not in the task's language. ``words`` and ``position`` (word index) say
    where."""

    def __init__(
        self,
        message: str,
        *,
        words: tuple[str, ...] = (),
        position: int | None = None,
        reason: str | None = None,
    ):
        self.words = words
        self.position = position
        self.reason = (
            reason or message
        )  # the message without the sentence, e.g. "it ends too early"
        super().__init__(message)


@dataclass(frozen=True)
class Alternative:
    """A checked alternative. ``pattern`` lists ("word", w) and ("child", i) items in order."""

    name: str | None  # None for a pass-through
    rule: str
    children: tuple[str, ...]  # the nonterminals, in order
    pattern: tuple[tuple[str, object], ...]
    where: Where

    @property
    def arity(self) -> int:
        return len(self.children)

    @property
    def is_pass_through(self) -> bool:
        return self.name is None


@dataclass
class InputGrammar:
    """Checked input grammar: rules in file order, the first rule is the start."""

    rules: dict[str, tuple[Alternative, ...]]
    start: str
    rule_where: dict[str, Where]

    @cached_property
    def alternatives(self) -> dict[str, Alternative]:
        """Named alternatives by name, in file order."""
        return {a.name: a for alts in self.rules.values() for a in alts if a.name is not None}

    @cached_property
    def vocabulary(self) -> tuple[str, ...]:
        """Every input word, in order of first appearance."""
        words: dict[str, None] = {}
        for alts in self.rules.values():
            for alt in alts:
                for kind, value in alt.pattern:
                    if kind == "word":
                        words[str(value)] = None
        return tuple(words)

    def references(self, rule: str) -> set[str]:
        return {c for alt in self.rules[rule] for c in alt.children}

    def reachable(self, start: str) -> set[str]:
        """Rules that sentences of ``start`` can use (``start`` included)."""
        seen = {start}
        stack = [start]
        while stack:
            for r in self.references(stack.pop()):
                if r not in seen:
                    seen.add(r)
                    stack.append(r)
        return seen

    @cached_property
    def recursive_rules(self) -> list[str]:
        """Rules reachable from the start that can contain themselves (each makes the language
        infinite)."""
        out = []
        reachable = self.reachable(self.start)
        for rule in (r for r in self.rules if r in reachable):
            seen: set[str] = set()
            stack = list(self.references(rule))
            while stack:
                r = stack.pop()
                if r == rule:
                    out.append(rule)
                    break
                if r not in seen:
                    seen.add(r)
                    stack.extend(self.references(r))
        return out

    @property
    def is_finite(self) -> bool:
        return not self.recursive_rules

    # ---- lark ------------------------------------------------------------------------
    def lark_text(self) -> str:
        """The lark grammar of the input language (rules ``n_<rule>``, aliases ``a_<name>``)."""
        lines = []
        for rule, alts in self.rules.items():
            rendered = []
            for alt in alts:
                parts = [
                    f'"{value}"' if kind == "word" else f"n_{alt.children[value]}"  # type: ignore[index]
                    for kind, value in alt.pattern
                ]
                if alt.name is not None:
                    parts.append(f"-> a_{alt.name}")
                rendered.append(" ".join(parts))
            lines.append(f"n_{rule}: " + "\n    | ".join(rendered))
        lines.append('%ignore " "')
        return "\n".join(lines) + "\n"

    @cached_property
    def _parser_and_kind(self) -> tuple[Lark, str]:
        text = self.lark_text()
        start = f"n_{self.start}"
        try:
            # LALR(1): words are tokens already (one per word), and the trees are built while
            # parsing (``transformer``), which is several times faster than lark's default.
            probe = Lark(text, parser="lalr", lexer="basic", start=start, maybe_placeholders=False)
            word_type = {
                t.pattern.value: t.name
                for t in probe.terminals
                if t.pattern.type == "str" and t.pattern.value in set(self.vocabulary)
            }
            return Lark(
                text,
                parser="lalr",
                lexer=_word_lexer(word_type),
                start=start,
                maybe_placeholders=False,
                transformer=self._tree_builder(),
                strict=True,
            ), "lalr"  # strict: a shift/reduce conflict is not settled
        except GrammarError:
            return Lark(
                text,
                parser="earley",
                lexer="basic",
                start=start,
                maybe_placeholders=False,
                ambiguity="resolve",
            ), "earley"

    def _tree_builder(self) -> Transformer:
        """A lark Transformer that turns rule ``a_<name>`` into ParseNode(name, children)
        and a pass-through rule ``n_<rule>`` into its only child."""
        methods: dict[str, object] = {f"n_{r}": _first_child for r in self.rules}
        for name in self.alternatives:
            methods[f"a_{name}"] = _node_maker(name)
        return type("TreeBuilder", (Transformer,), methods)()

    @property
    def parser(self) -> Lark:
        return self._parser_and_kind[0]

    @property
    def parser_kind(self) -> str:
        """'lalr' (unambiguous by construction) or 'earley' (ambiguity checked on sentences)."""
        return self._parser_and_kind[1]

    @cached_property
    def _forest_parser(self) -> Lark:
        return Lark(
            self.lark_text(),
            parser="earley",
            lexer="basic",
            start=f"n_{self.start}",
            maybe_placeholders=False,
            ambiguity="forest",
        )

    def ambiguous(self, words: Sequence[str]) -> bool:
        """Whether the sentence ``words`` (in the language) has two parse trees: a node of the
        Earley parser's shared forest with two derivations (polynomial, not a tree count)."""
        if self.parser_kind == "lalr":
            return False  # strict LALR(1): one tree by construction
        stack, seen = [self._forest_parser.parse(" ".join(words))], set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, SymbolNode):
                if node.is_ambiguous:
                    return True
                stack.extend(node.children)
            elif isinstance(node, PackedNode):
                stack.extend(c for c in (node.left, node.right) if c is not None)
        return False

    def parse(self, words: Sequence[str] | str) -> ParseNode:
        """Parse a sentence (a string or a sequence of words) into its tree of named
        alternatives."""
        tokens = tuple(words.split()) if isinstance(words, str) else tuple(words)
        if not tokens:
            raise ParseFailure("cannot parse an empty sentence", words=tokens, position=0)
        known = set(self.vocabulary)
        for i, word in enumerate(tokens):
            if not isinstance(word, str) or word not in known:
                raise ParseFailure(
                    f"unknown word {word!r} at position {i + 1} of {' '.join(map(str, tokens))!r}; "
                    f"the words of this language are: {', '.join(self.vocabulary)}",
                    words=tokens,
                    position=i,
                )
        text = " ".join(tokens)
        try:
            tree = self.parser.parse(text)
        except UnexpectedInput as e:
            token = getattr(e, "token", None)
            if token is not None and token.type == "$END":
                position: int | None = len(tokens)
            else:
                position = _word_index(text, getattr(e, "pos_in_stream", None))
            expected = sorted(
                _readable_expected(
                    self.parser,
                    getattr(e, "expected", None) or getattr(e, "allowed", None) or set(),
                )
            )
            where = (
                f"unexpected word {position + 1} ({tokens[position]!r})"
                if position is not None and position < len(tokens)
                else "it ends too early"
            )
            reason = where + (f"; expected {', '.join(expected)}" if expected else "")
            raise ParseFailure(
                f"{text!r} is not a sentence of this language: {reason}",
                words=tokens,
                position=position,
                reason=reason,
            ) from None
        return tree if isinstance(tree, ParseNode) else _to_node(tree)


def _first_child(self: Transformer, children: list) -> object:
    return children[0]


def _node_maker(name: str):
    def make(self: Transformer, children: list) -> ParseNode:
        return ParseNode(name, tuple(children))

    return make


def _word_lexer(word_type: dict[str, str]) -> type[Lexer]:
    """A lark lexer for sentences of known words separated by single spaces."""

    class WordLexer(Lexer):
        def __init__(self, lexer_conf: object) -> None:
            pass

        def lex(self, data: str):
            pos = 0
            for word in data.split(" "):
                yield Token(word_type[word], word, start_pos=pos)
                pos += len(word) + 1

    return WordLexer


def _word_index(text: str, pos: int | None) -> int | None:
    if pos is None or pos < 0:
        return None
    return text[:pos].count(" ")


def _readable_expected(parser: Lark, names: set[str]) -> set[str]:
    out = set()
    for name in names:
        if name == "$END":
            out.add("end of sentence")
            continue
        try:
            pattern = parser.get_terminal(name).pattern
            out.add(repr(pattern.value))
        except KeyError:
            out.add(name.lower())
    return out


def _to_node(tree: Tree) -> ParseNode:
    """lark tree -> ParseNode: ``a_<name>`` nodes are alternatives; ``n_<rule>`` nodes are
    pass-throughs."""
    while str(tree.data).startswith("n_"):
        tree = tree.children[0]
    return ParseNode(str(tree.data)[2:], tuple(_to_node(c) for c in tree.children))


# ---- checking ---------------------------------------------------------------------------

_NAME_HINT = (
    "name it: end the alternative with '-> name' (a new lower-case name used in the meaning block)"
)


def build_input_grammar(spec: TaskSpec) -> InputGrammar:
    """Check the grammar block of ``spec`` and return the :class:`InputGrammar`; raise
    TaskFileError."""
    if spec.grammar_where is None:
        raise spec.error(
            "no 'grammar { ... }' block",
            Where(1, 1),
            "a compositional task file starts with 'grammar {', one rule per line, then '}'",
        )
    if not spec.rules:
        raise spec.error(
            "the grammar block has no rules",
            spec.grammar_where,
            "add rules such as 'command: action \"twice\" -> twice | action'",
        )
    rule_where: dict[str, Where] = {}
    for rule in spec.rules:
        if rule.name in rule_where:
            first = rule_where[rule.name]
            raise spec.error(
                f"rule {rule.name!r} is defined twice (first on line {first.line})",
                rule.where,
                "put all its alternatives in one rule, separated by '|'",
            )
        rule_where[rule.name] = rule.where

    rules: dict[str, tuple[Alternative, ...]] = {}
    named: dict[str, Where] = {}
    for rule in spec.rules:
        alts = []
        seen_shapes: dict[tuple, Where] = {}
        for alt in rule.alternatives:
            checked = _check_alternative(spec, alt, rule_where, named)
            shape = tuple(
                (k, v if k == "word" else checked.children[v]) for k, v in checked.pattern
            )  # type: ignore[index]
            if shape in seen_shapes:
                raise spec.error(
                    f"rule {rule.name!r} has two alternatives with the same symbols "
                    f"(first on line {seen_shapes[shape].line}); the grammar is ambiguous",
                    alt.where,
                    "remove one of the two alternatives",
                )
            seen_shapes[shape] = alt.where
            alts.append(checked)
        rules[rule.name] = tuple(alts)
    grammar = InputGrammar(rules=rules, start=spec.rules[0].name, rule_where=rule_where)
    _check_reachable(spec, grammar)
    _check_productive(spec, grammar)
    _check_unit_cycles(spec, grammar)
    return grammar


def _check_alternative(
    spec: TaskSpec, alt: AlternativeSpec, rule_where: dict[str, Where], named: dict[str, Where]
) -> Alternative:
    pattern: list[tuple[str, object]] = []
    children: list[str] = []
    for sym in alt.symbols:
        if sym.kind == "operator":
            raise spec.error(
                f"the operator {sym.value!r} is not supported in a compositional grammar",
                sym.where,
                "write repetition as a recursive rule, e.g. 'items: item items -> more | item', "
                "and an optional part as two alternatives; every alternative needs a fixed list of "
                "children",
            )
        if sym.kind == "literal":
            if not sym.value or any(c.isspace() for c in sym.value) or "\\" in sym.value:
                raise spec.error(
                    f"the quoted word {sym.value!r} must be one word (no spaces or backslashes)",
                    sym.where,
                    'write each word as its own quoted literal, e.g. "turn" "left"',
                )
            pattern.append(("word", sym.value))
        else:
            if sym.value not in rule_where:
                raise spec.error(
                    f"unknown rule {sym.value!r}",
                    sym.where,
                    f"define a rule '{sym.value}: ...' in the grammar block, or quote it "
                    f"('\"{sym.value}\"') if it is a word",
                )
            pattern.append(("child", len(children)))
            children.append(sym.value)
    if alt.name is None:
        if not (len(alt.symbols) == 1 and children):
            raise spec.error(
                f"an alternative of rule {alt.rule!r} has no name",
                alt.where,
                _NAME_HINT + "; only an alternative that is a single rule name may stay unnamed",
            )
    else:
        if alt.name in named:
            raise spec.error(
                f"two alternatives are named {alt.name!r} (first on line {named[alt.name].line})",
                alt.name_where,
                "give each alternative its own name",
            )
        named[alt.name] = alt.name_where
    return Alternative(
        name=alt.name,
        rule=alt.rule,
        children=tuple(children),
        pattern=tuple(pattern),
        where=alt.name_where if alt.name else alt.where,
    )


def _check_reachable(spec: TaskSpec, grammar: InputGrammar) -> None:
    seen = grammar.reachable(grammar.start)
    for rule, where in grammar.rule_where.items():
        if rule not in seen:
            raise spec.error(
                f"rule {rule!r} is never used: no sentence of the start rule {grammar.start!r} "
                "reaches it",
                where,
                f"use it in another rule, or delete it (the first rule, {grammar.start!r}, is the "
                "start)",
            )


def _check_productive(spec: TaskSpec, grammar: InputGrammar) -> None:
    productive: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule, alts in grammar.rules.items():
            if rule not in productive and any(
                all(c in productive for c in a.children) for a in alts
            ):
                productive.add(rule)
                changed = True
    for rule, where in grammar.rule_where.items():
        if rule not in productive:
            raise spec.error(
                f"rule {rule!r} never ends: every alternative refers back to it forever",
                where,
                "add an alternative made of words only (or of rules that end)",
            )


def _check_unit_cycles(spec: TaskSpec, grammar: InputGrammar) -> None:
    """A cycle of single-child alternatives gives infinitely many trees for one sentence."""
    unit = {
        r: [a for a in alts if len(a.pattern) == 1 and a.children]
        for r, alts in grammar.rules.items()
    }
    for start in grammar.rules:
        stack = [(start, alt) for alt in unit[start]]
        seen: set[str] = set()
        while stack:
            _, alt = stack.pop()
            target = alt.children[0]
            if target == start:
                raise spec.error(
                    f"rule {start!r} can rewrite to itself through single-rule alternatives, so "
                    "one sentence has infinitely many parse trees (an ambiguous grammar)",
                    alt.where,
                    "make every alternative in that cycle add at least one word",
                )
            if target not in seen:
                seen.add(target)
                stack.extend((target, a) for a in unit[target])
