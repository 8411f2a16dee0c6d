"""Writes to tips: create/edit/delete (edit), votes, reviews, input checks, broadcast."""
