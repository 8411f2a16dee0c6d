"""Transactions, the after-commit effects, the search outbox hook, and off-hub helpers."""
