"""Transparent kinetic-chain model: what a hip (or foot) impairment does to the knee, in numbers.

Closed-form, every coefficient a cited knowledge-base parameter (knowledge/data/chain.yaml); see
docs/chain.md. Entry points: ``run``/``whatif``, ``sweep``, ``chain_for_findings``, ``chain_svg``.
"""

from kinchain.chain.diagram import chain_svg
from kinchain.chain.findings import FINDING_MAP, chain_for_findings, map_findings
from kinchain.chain.inputs import RANGES, ChainInputs
from kinchain.chain.model import OUTPUT_NAMES, ChainResult, Output, SweepResult, run, sweep, whatif

__all__ = [
    "FINDING_MAP",
    "OUTPUT_NAMES",
    "RANGES",
    "ChainInputs",
    "ChainResult",
    "Output",
    "SweepResult",
    "chain_for_findings",
    "chain_svg",
    "map_findings",
    "run",
    "sweep",
    "whatif",
]
