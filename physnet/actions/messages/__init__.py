"""Writes to messages, one module per operation: send, edit (and delete), reactions,
mentions, read marks."""
