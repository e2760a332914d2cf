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


def _compile(expr: Any) -> Compiled:
    if isinstance(expr, str):
        name = expr

        def leaf(f: Mapping[str, Value]) -> Tri:
            v = f.get(name)
            return None if v is None else bool(v)
        return leaf
    if "not" in expr:
        inner = _compile(expr["not"])

        def neg(f: Mapping[str, Value]) -> Tri:
            v = inner(f)
            return None if v is None else not v
        return neg
    if "unless" in expr:
        excluded = _compile(expr["unless"])

        def unless(f: Mapping[str, Value]) -> Tri:
            return excluded(f) is not True
        return unless
    if "all" in expr or "any" in expr:
        is_all = "all" in expr
        parts = [_compile(e) for e in expr["all" if is_all else "any"]]
        decisive = not is_all  # any: True decides; all: False decides

        def combine(f: Mapping[str, Value]) -> Tri:
            unknown = False
            for part in parts:
                v = part(f)
                if v is None:
                    unknown = True
                elif v is decisive:
                    return decisive
            return None if unknown else not decisive
        return combine
    if "at_least" in expr:
        need = int(expr["at_least"])
        parts = [_compile(e) for e in expr["of"]]

        def count(f: Mapping[str, Value]) -> Tri:
            vals = [p(f) for p in parts]
            yes, unknown = sum(v is True for v in vals), sum(v is None for v in vals)
            if yes >= need:
                return True
            return None if yes + unknown >= need else False
        return count
    if "finding" in expr:
        fid, op, ref = expr["finding"], _OPS[expr["op"]], expr["value"]

        def cmp(f: Mapping[str, Value]) -> Tri:
            v = f.get(fid)
            return None if v is None else bool(op(v, ref))
        return cmp
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
