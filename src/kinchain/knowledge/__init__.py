"""The cited knowledge base: schema, loader and validation."""

from kinchain.knowledge.loader import Knowledge, build_knowledge, load_knowledge

__all__ = ["Knowledge", "build_knowledge", "load_knowledge"]
