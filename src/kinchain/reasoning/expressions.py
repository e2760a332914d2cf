"""Boolean expressions over findings, with three-valued logic (True, False, None = not known).

Forms accepted in the knowledge base:

- ``"fever"``                                  the boolean finding is true
- ``{"not": E}``, ``{"all": [E, ...]}``, ``{"any": [E, ...]}``
- ``{"unless": E}``                            true unless E is known to be true: an exclusion in a red-flag
  rule that was not asked never blocks the flag (``not`` would leave the flag unknown)
- ``{"at_least": 2, "of": [E, ...]}``
- ``{"finding": "age_years", "op": ">=", "value": 55}``   ops: < <= > >= == in
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Value = bool | float | int | str
Tri = bool | None

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "in": lambda a, b: a in b,
}


def compare(value: Value, op: str, ref: Any) -> bool:
    return bool(_OPS[op](value, ref))


def evaluate(expr: Any, findings: Mapping[str, Value]) -> Tri:
    """Evaluate ``expr`` against observed findings; None when the answer depends on unknowns."""
    if isinstance(expr, str):
        v = findings.get(expr)
        return None if v is None else bool(v)
    if "not" in expr:
        inner = evaluate(expr["not"], findings)
        return None if inner is None else not inner
    if "unless" in expr:
        return evaluate(expr["unless"], findings) is not True
    if "all" in expr:
        vals = [evaluate(e, findings) for e in expr["all"]]
        if any(v is False for v in vals):
            return False
        return None if any(v is None for v in vals) else True
    if "any" in expr:
        vals = [evaluate(e, findings) for e in expr["any"]]
        if any(v is True for v in vals):
            return True
        return None if any(v is None for v in vals) else False
    if "at_least" in expr:
        vals = [evaluate(e, findings) for e in expr["of"]]
        yes, unknown = sum(v is True for v in vals), sum(v is None for v in vals)
        need = int(expr["at_least"])
        if yes >= need:
            return True
        return None if yes + unknown >= need else False
    if "finding" in expr:
        v = findings.get(expr["finding"])
        return None if v is None else compare(v, expr["op"], expr["value"])
    raise ValueError(f"unrecognised expression: {expr!r}")


Compiled = Callable[[Mapping[str, Value]], Tri]
_COMPILED: dict[str, Compiled] = {}


def compiled(expr: Any) -> Compiled:
    """``evaluate`` as a closure built once per distinct expression (rules run on every assessment)."""
    key = repr(expr)
    fn = _COMPILED.get(key)
    if fn is None:
        fn = _COMPILED[key] = _compile(expr)
    return fn


# Compiled form: each expression becomes one Python expression over Kleene values coded 0 (False),
# 1 (unknown), 2 (True), so that "all" is min, "any" is max and "not" is 2 - x: a single call per rule
# instead of a tree of closures (rules run on every assessment and the interview runs them per question).
_TRI: tuple[Tri, Tri, Tri] = (False, None, True)


def _at_least(need: int, values: tuple[int, ...]) -> int:
    yes = values.count(2)
    if yes >= need:
        return 2
    return 1 if yes + values.count(1) >= need else 0


def _compile(expr: Any) -> Compiled:
    consts: list[Any] = []
    source = f"lambda F: _TRI[{_code(expr, consts)}]"
    # the source is built only from the fixed templates below; finding ids and values stay in C
    fn: Compiled = eval(source, {"_TRI": _TRI, "_at_least": _at_least, "C": consts})
    return fn


def _code(expr: Any, consts: list[Any]) -> str:
    """Python source of ``expr`` as a Kleene value 0/1/2 (the findings mapping is ``F``)."""
    if isinstance(expr, str):
        consts.append(expr)
        return f"(1 if (v := F.get(C[{len(consts) - 1}])) is None else (2 if v else 0))"
    if "not" in expr:
        return f"(2 - {_code(expr['not'], consts)})"
    if "unless" in expr:
        return f"(0 if {_code(expr['unless'], consts)} == 2 else 2)"
    if "all" in expr or "any" in expr:
        is_all = "all" in expr
        parts = [_code(e, consts) for e in expr["all" if is_all else "any"]]
        if not parts:
            return "2" if is_all else "0"
        return parts[0] if len(parts) == 1 else f"{'min' if is_all else 'max'}({', '.join(parts)})"
    if "at_least" in expr:
        parts = [_code(e, consts) for e in expr["of"]]
        return f"_at_least({int(expr['at_least'])}, ({', '.join(parts)},))"
    if "finding" in expr:
        op = expr["op"]
        if op not in _OPS:
            raise ValueError(f"unrecognised expression: {expr!r}")
        consts.extend([expr["finding"], expr["value"]])
        i = len(consts) - 2
        return f"(1 if (v := F.get(C[{i}])) is None else (2 if v {op} C[{i + 1}] else 0))"
    raise ValueError(f"unrecognised expression: {expr!r}")


def referenced_findings(expr: Any) -> Iterator[str]:
    """Every finding id an expression mentions (for validation)."""
    if expr is None:
        return
    if isinstance(expr, str):
        yield expr
    elif isinstance(expr, Mapping):
        if "finding" in expr:
            yield expr["finding"]
        for key in ("not", "unless"):
            if key in expr:
                yield from referenced_findings(expr[key])
        for key in ("all", "any", "of"):
            for sub in expr.get(key, []):
                yield from referenced_findings(sub)
    else:
        raise ValueError(f"unrecognised expression: {expr!r}")


def positive_findings(expr: Any) -> Iterator[str]:
    """The boolean findings whose presence counts towards ``expr`` (not those under ``not`` or ``unless``,
    and not the subjects of comparisons): the warning signs a flag rule lists."""
    if isinstance(expr, str):
        yield expr
    elif isinstance(expr, Mapping):
        for key in ("all", "any", "of"):
            for sub in expr.get(key, []):
                yield from positive_findings(sub)


def excluding_findings(expr: Any) -> Iterator[str]:
    """The findings under an ``unless``: exclusions that, when known to be present, stop a rule firing."""
    if isinstance(expr, Mapping):
        if "unless" in expr:
            yield from referenced_findings(expr["unless"])
        for key in ("all", "any", "of", "not"):
            subs = expr.get(key, [])
            for sub in ([subs] if key == "not" else subs):
                yield from excluding_findings(sub)


def check(expr: Any) -> list[str]:
    """Structural problems of an expression (empty when well formed)."""
    problems: list[str] = []
    if isinstance(expr, str):
        return problems
    if not isinstance(expr, Mapping):
        return [f"expression must be a string or mapping, got {expr!r}"]
    keys = set(expr)
    if keys in ({"not"}, {"unless"}):
        (k,) = keys
        return check(expr[k])
    if keys in ({"all"}, {"any"}):
        (k,) = keys
        for sub in expr[k]:
            problems += check(sub)
        return problems
    if keys == {"at_least", "of"}:
        for sub in expr["of"]:
            problems += check(sub)
        return problems
    if keys == {"finding", "op", "value"}:
        if expr["op"] not in _OPS:
            problems.append(f"unknown operator {expr['op']!r} (use one of {sorted(_OPS)})")
        return problems
    return [f"unrecognised expression keys {sorted(keys)}"]
