"""Transactions, the after-commit effects, the search change-log hook, and off-hub helpers."""
