"""chain.yaml is clean: every coefficient is a cited parameter with the agreed id prefix and status."""

from __future__ import annotations

import yaml

from kinchain.chain.findings import FINDING_MAP
from kinchain.chain.params import PARAMETER_IDS
from kinchain.knowledge import Knowledge
from kinchain.knowledge.loader import data_dir


def _chain_yaml() -> dict:
    return yaml.safe_load((data_dir() / "chain.yaml").read_text(encoding="utf-8"))


def test_every_model_coefficient_is_in_the_kb(kb: Knowledge) -> None:
    for pid in PARAMETER_IDS.values():
        assert pid in kb.parameters, pid


def test_ids_prefixed_and_statuses_consistent(kb: Knowledge) -> None:
    raw = _chain_yaml()
    for section in ("references", "parameters"):
        for entry in raw[section]:
            assert entry["id"].startswith("chain_"), entry["id"]
    for entry in raw["parameters"]:
        p = kb.parameters[entry["id"]]
        assert all(c in kb.references for c in p.citation)
        if p.status == "unconfirmed":
            assert "judgement_kinchain" in p.citation, p.id
        if p.status in ("confirmed", "secondary"):
            assert any(c != "judgement_kinchain" for c in p.citation), p.id


def test_findings_mapping_values_are_parameters(kb: Knowledge) -> None:
    used = {pid for pid in kb.parameters if pid.startswith("chain_findings_")}
    assert used and len(FINDING_MAP) >= 6
