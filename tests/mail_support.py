"""A real local SMTP server (aiosmtpd) that keeps what it receives, for the mail tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from conftest import free_port


class Inbox:
    """Every mail the server accepted, as (recipients, parsed message), in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    """An SMTP server on a free 127.0.0.1 port for the length of the block."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()
