"""Independent oracle: for a single-condition model the engine's posterior equals pgmpy's exact
inference (variable elimination) on the equivalent Bayesian network, to 1e-9."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from kinchain.case import case_from_mapping
from kinchain.knowledge import build_knowledge
from kinchain.reasoning.compiled import implied_sn_fpr
from kinchain.reasoning.engine import assess

pgmpy = pytest.importorskip("pgmpy")
from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402

try:
    from pgmpy.models import DiscreteBayesianNetwork as Network
except ImportError:  # older pgmpy
    from pgmpy.models import BayesianNetwork as Network

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kb_small" / "kb.yaml"


def single_condition_kb(tmp: Path, prior: float, lrs: list[tuple[float, float]]):
    base = yaml.safe_load(FIXTURE.read_text())
    # hipdz plus the non-specific condition every knowledge base needs; the latter has no effect here
    base["conditions"] = [c for c in base["conditions"] if c["id"] in ("hipdz", "nonspecific_pain")]
    core = [f for f in base["findings"] if f["id"] in
            ("age_years", "sex", "complaint_region", "setting", "onset", "duration_weeks")]
    tests = [{"id": f"t{i}", "type": "boolean", "group": "exam", "region": "hip", "question": "?",
              "description": "test"} for i in range(len(lrs))]
    base["findings"] = core + tests
    base["evidence"] = [{"finding": f"t{i}", "condition": "hipdz", "lr_pos": p, "lr_neg": n,
                         "citation": ["test_ref"], "status": "confirmed"} for i, (p, n) in enumerate(lrs)]
    base["evidence"].append({"finding": "t0", "condition": "nonspecific_pain", "lr_pos": 1.0, "lr_neg": 1.0,
                             "citation": ["test_ref"], "status": "unconfirmed"})
    base["priors"] = [{"condition": c, "complaint": "any", "probability": p, "citation": ["test_ref"],
                       "status": "unconfirmed"} for c, p in (("hipdz", prior), ("nonspecific_pain", 0.2))]
    base["prior_modifiers"] = []
    base["rules"] = []
    (tmp / "kb.yaml").write_text(yaml.safe_dump(base))
    return build_knowledge(tmp)


def pgmpy_posterior(prior: float, lrs: list[tuple[float, float]], evidence: dict[str, int]) -> float:
    model = Network([("D", f"t{i}") for i in range(len(lrs))])
    cpds = [TabularCPD("D", 2, [[1 - prior], [prior]])]
    for i, (p, n) in enumerate(lrs):
        sens, fpr = implied_sn_fpr(p, n)
        cpds.append(TabularCPD(f"t{i}", 2, [[1 - fpr, 1 - sens], [fpr, sens]], evidence=["D"], evidence_card=[2]))
    model.add_cpds(*cpds)
    assert model.check_model()
    q = VariableElimination(model).query(["D"], evidence=evidence, show_progress=False)
    return float(q.values[1])


@pytest.mark.parametrize("seed", range(12))
def test_single_condition_posterior_matches_pgmpy(tmp_path, seed):
    rng = random.Random(seed)
    k = rng.randint(1, 5)
    prior = rng.uniform(0.01, 0.6)
    lrs = []
    for _ in range(k):
        pos = rng.uniform(1.2, 12.0)
        neg = rng.uniform(0.05, 0.9)
        lrs.append((pos, neg))
    kb = single_condition_kb(tmp_path, prior, lrs)
    observed = {f"t{i}": rng.random() < 0.5 for i in range(k) if rng.random() < 0.8}
    ours = assess(case_from_mapping({"patient": {"age": 70, "sex": "male"}, "complaint": {"region": "knee"},
                                     "findings": observed}), kb).condition("hipdz").probability
    theirs = pgmpy_posterior(prior, lrs, {f: int(v) for f, v in observed.items()})
    assert ours == pytest.approx(theirs, abs=1e-9)
