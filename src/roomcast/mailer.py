"""Sending email over SMTP (aiosmtplib): one connection for a batch of messages.

Knows messages and SMTP only. What to send, to whom and when is the job of
actions/notify.py; every message carries a Message-ID fixed when it was queued, so a
message sent again after a crash is recognisably the same message.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from roomcast.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    message_id: str  # "<...@host>", the same on every attempt
    date: datetime
    unsubscribe_url: str | None = None  # one click (RFC 8058); None for confirmations


class Outcome(enum.StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # the server refused the address for good: do not try again
    LATER = "later"  # the server is down or said "try later"


def message(settings: Settings, mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = formataddr(("", mail.to))
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.date)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    if mail.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.text)
    return msg


def _client(settings: Settings) -> aiosmtplib.SMTP:
    assert settings.smtp_host is not None
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_security == "tls",
        start_tls=settings.smtp_security == "starttls",
        timeout=settings.smtp_timeout,
    )


Told = Callable[[Mail, Outcome], Awaitable[None]]


async def send(settings: Settings, mails: Sequence[Mail], told: Told) -> None:
    """Send each message over one connection, and say how each went as soon as it is known
    (so that a crash a moment later does not send it again). A failure of the connection
    leaves this and the following messages for later."""
    outcomes: list[Outcome] = []

    async def tell(mail: Mail, outcome: Outcome) -> None:
        outcomes.append(outcome)
        await told(mail, outcome)

    client = _client(settings)
    try:
        await client.connect()
        if settings.smtp_username and settings.smtp_password:
            await client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        for mail in mails:
            try:
                await client.send_message(message(settings, mail))
            except aiosmtplib.SMTPRecipientsRefused as e:
                codes = [r.code for r in e.recipients]
                permanent = all(500 <= c < 600 for c in codes)
                logger.warning("mail %s refused at RCPT: %s", mail.message_id, codes)
                await tell(mail, Outcome.REFUSED if permanent else Outcome.LATER)
                await client.rset()
                continue
            except aiosmtplib.SMTPResponseException as e:
                if not 500 <= e.code < 600:
                    raise
                logger.warning("mail %s refused: %s %s", mail.message_id, e.code, e.message)
                await tell(mail, Outcome.REFUSED)
                await client.rset()
                continue
            await tell(mail, Outcome.SENT)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
        left = len(mails) - len(outcomes)
        logger.warning("SMTP server %s: %s; %d mail(s) wait", settings.smtp_host, e, left)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()
    for mail in mails[len(outcomes) :]:
        await told(mail, Outcome.LATER)
