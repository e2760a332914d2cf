"""Property tests: scores stay in range and move monotonically with item values."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kinchain.outcomes import get_instrument, load_instruments, score

NAMES = sorted(load_instruments())


@st.composite
def response_sets(draw: st.DrawFn) -> tuple[str, dict[str, int | None]]:
    inst = get_instrument(draw(st.sampled_from(NAMES)))
    values = st.one_of(st.none(), st.integers(inst.item_min, inst.item_max))
    resp = {code: draw(values) for code in inst.item_codes}
    return inst.id, resp


@settings(max_examples=150, deadline=None)
@given(response_sets())
def test_scores_within_range(data: tuple[str, dict[str, int | None]]) -> None:
    name, resp = data
    inst = get_instrument(name)
    r = score(name, resp)
    assert set(r.scores) == {s.id for s in inst.subscales}
    for sub in inst.subscales:
        answered = sum(resp[c] is not None for c in sub.items)
        value = r.scores[sub.id]
        assert (value is None) == (answered < sub.min_answered)
        if value is not None:
            assert inst.scoring.score_min <= value <= inst.scoring.score_max


@settings(max_examples=150, deadline=None)
@given(response_sets(), st.data())
def test_monotone_in_item_values(data: tuple[str, dict[str, int | None]], draw: st.DataObject) -> None:
    name, resp = data
    inst = get_instrument(name)
    code = draw.draw(st.sampled_from(inst.item_codes))
    assume(resp[code] is not None and resp[code] != inst.item_max)
    higher = {**resp, code: resp[code] + 1}  # type: ignore[operator]
    sub = next(s for s in inst.subscales if code in s.items)
    before, after = score(name, resp).scores[sub.id], score(name, higher).scores[sub.id]
    assume(before is not None)
    assert before is not None and after is not None
    # KOOS/HOOS items: higher = more problems -> score falls; sum scales rise with the item
    if inst.scoring.method == "transformed_mean":
        assert after < before
    else:
        assert after > before
