"""Pure reasoning over a case and the knowledge base."""
