"""Every refusal a person meets on the rating path is in the message catalogue (issue 16).

The rules raise refusals in English before anyone knows who will read them; the boundary
that shows one says it in the reader's language through `texts.in_locale`. This scan
finds each refusal raised on that path, so a new one without its catalogue entry (and so
without its Dutch) fails here instead of answering a Dutch card in English.
"""

from __future__ import annotations

import ast
import inspect
import string
from pathlib import Path

import pytest

from bot.domain import errors
from bot.domain.texts import in_locale, keys, refusal_key, template

ROOT = Path(__file__).resolve().parents[2]
# Where a rating, a comment, a follow-up click or a prompt button can be refused.
RATING_PATH = [
    "bot/domain/rating_rules.py",
    "bot/flows/recording.py",
    "bot/flows/alerts.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bot/flows/interactions").glob("*.py")
            if p.name != "admin_command.py"),  # admin commands speak English
    "adapters/slack/handlers.py",
    "adapters/teams/handlers.py",
]
REFUSALS = {name for name, kind in inspect.getmembers(errors, inspect.isclass)
            if issubclass(kind, errors.UserFacingError)}
# A refusal said directly, not raised, goes through `in_locale` as well.
SAID = REFUSALS | {"in_locale"}
SAMPLE = "7"  # what an f-string's value reads as in the scan


class _Strings:
    """The sentences an expression can produce: literals, f-strings with sample values,
    module constants and the values of module-level tables they are looked up in."""

    def __init__(self, tree: ast.Module) -> None:
        self.module: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.module[target.id] = node.value

    def of(self, expr: ast.AST, local: dict[str, ast.expr]) -> list[str]:
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else []
        if isinstance(expr, ast.JoinedStr):
            return ["".join(str(part.value) if isinstance(part, ast.Constant) else SAMPLE
                            for part in expr.values)]
        if isinstance(expr, ast.Name):
            bound = local.get(expr.id) or self.module.get(expr.id)
            return self.of(bound, {}) if bound is not None else []
        if isinstance(expr, ast.Dict):
            return [s for value in expr.values for s in self.of(value, local)]
        if isinstance(expr, ast.BinOp | ast.BoolOp):  # "a" "b" or `problem or NOT_OURS`
            found: list[str] = []
            for child in ast.iter_child_nodes(expr):
                found += self.of(child, local)
            return found
        if isinstance(expr, ast.Call):  # TABLE.get(key, "default") and the like
            parts = [expr.func, *expr.args]
            return [s for part in parts for s in self.of(part, local)]
        if isinstance(expr, ast.Attribute):
            return self.of(expr.value, local)
        return []


def _locals(function: ast.AST) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = node.value
    return found


def raised_refusals(path: str) -> list[tuple[int, str]]:
    """(line, message) of every refusal `path` raises, its words as the person reads them."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    strings = _Strings(tree)
    found: list[tuple[int, str]] = []
    functions = [n for n in ast.walk(tree)
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        local = _locals(function)
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in SAID):
                continue
            for argument in node.args[:1]:
                found += [(node.lineno, s) for s in strings.of(argument, local) if s.strip()]
    return found


ALL = sorted({(path, line, message) for path in RATING_PATH
              for line, message in raised_refusals(path)})


def test_the_scan_finds_the_refusals_it_is_meant_to_guard() -> None:
    messages = {message for _, _, message in ALL}
    assert "The comment is empty." in messages
    assert "This rating request was withdrawn because the ticket was reopened." in messages
    assert "That button is not one of ratebot's." in messages
    assert "Use this on the message that opened the request." in messages  # said, not raised
    assert f"{SAMPLE} is not a score on this scale ({SAMPLE} to {SAMPLE})." in messages
    assert len(messages) >= 10


@pytest.mark.parametrize(("path", "line", "message"), ALL)
def test_every_refusal_on_the_rating_path_is_in_the_catalogue(
    path: str, line: int, message: str
) -> None:
    assert refusal_key(message) is not None, (
        f"{path}:{line} refuses with {message!r}, which the catalogue lacks: add it to "
        "bot/domain/texts.py under a 'refusal.' key, in English and Dutch")
    assert in_locale(message, "nl") != message
    assert in_locale(message, "en") == message


def test_every_refusal_in_the_catalogue_has_a_dutch_wording_with_the_same_values() -> None:
    for key in keys():
        if key.startswith("refusal."):
            english, dutch = template(key, "en"), template(key, "nl")
            assert dutch and dutch != english, key
            names = sorted(n for _, n, _, _ in _fields(english) if n)
            assert names == sorted(n for _, n, _, _ in _fields(dutch) if n), key


def _fields(template_text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return list(string.Formatter().parse(template_text))


def test_a_message_the_catalogue_lacks_is_shown_as_raised() -> None:
    assert in_locale("There is no team called 'x'. Add it first.", "nl") == (
        "There is no team called 'x'. Add it first.")
    assert in_locale("The comment is empty.", "fr") == "The comment is empty."
