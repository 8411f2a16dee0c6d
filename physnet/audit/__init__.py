"""The audit log: its hash chain, verification, export, admin page and commands."""
