"""Encoders, faiss indexes, retrieval for Q&A, and product ranking."""
