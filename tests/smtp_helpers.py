"""A real SMTP server on 127.0.0.1 (aiosmtpd, in its own thread) that keeps what it is sent:
tests read the messages as a mail server received them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses refused at RCPT (550)
    hold: threading.Event = field(default_factory=threading.Event)  # set: DATA waits
    holding: threading.Event = field(default_factory=threading.Event)  # a DATA is held now
    held: list[EmailMessage] = field(default_factory=list)  # what was held, then refused
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        """The mail server goes away: connections to its port are refused."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if self.hold.is_set():
            self.held.append(msg)
            self.holding.set()
            while self.hold.is_set():  # the test kills the sender meanwhile
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"  # the sender is gone: nothing accepted
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def wait_for(self, n: int, timeout: float = 20) -> list[EmailMessage]:
        """Block (in a thread) until n messages arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages)} message(s) arrived, expected {n}")

    async def arrived(self, n: int, timeout: float = 20) -> list[EmailMessage]:
        return await asyncio.to_thread(self.wait_for, n, timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(port=_free_port())
    inbox.up()
    try:
        yield inbox
    finally:
        inbox.down()


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
