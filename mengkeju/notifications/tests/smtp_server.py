"""A real SMTP server on a free local port (aiosmtpd), for tests and benchmarks/notify_latency.py:
`with local_smtp(delay=2.0) as server: ...; server.messages` (each an email.message.Message)."""

from __future__ import annotations

import asyncio
import socket
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every message that arrives; waits `delay` seconds before accepting each (a slow server)."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_smtp(delay: float = 0.0):
    inbox = Inbox(delay)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()
