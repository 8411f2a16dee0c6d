"""Attachments: upload (screened before stored), attach to a message, remove, collect."""
