"""Patient-reported outcomes (KOOS, HOOS, LEFS, Oxford knee/hip, NPRS): scoring, change, series, charts,
and CDS Hooks card builders. The instrument rules live in ``knowledge/data/instruments.yaml``."""

from kinchain.outcomes.change import SeriesResult, SubscaleChange, compare, series
from kinchain.outcomes.instruments import Instrument, get_instrument, load_instruments
from kinchain.outcomes.scoring import PromResult, SubscaleScore, score, score_file, score_mapping

__all__ = [
    "Instrument",
    "PromResult",
    "SeriesResult",
    "SubscaleChange",
    "SubscaleScore",
    "compare",
    "get_instrument",
    "load_instruments",
    "score",
    "score_file",
    "score_mapping",
    "series",
]
