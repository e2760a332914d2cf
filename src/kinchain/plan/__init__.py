"""Care plans that treat the source: pathways, exercise library, timeline and safety."""
