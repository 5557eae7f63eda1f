"""E-mail sender for staff alerts (SMTP_URL): smtp://[user:pass@]host[:port] uses STARTTLS when
the server offers it; smtps:// connects over TLS."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from backend.core.config import get_settings
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage


async def send_email(recipient: str, subject: str, body: str) -> None:
    import aiosmtplib

    settings = get_settings()
    if not settings.smtp_url:
        raise DeliveryError("SMTP_URL is not set: e-mail alerts are off", final=True)
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise DeliveryError(f"SMTP_URL must start with smtp:// or smtps://, not {url.scheme}://", final=True)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    tls = url.scheme == "smtps"
    try:
        await aiosmtplib.send(
            message, hostname=url.hostname or "localhost", port=url.port or (465 if tls else 25),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=tls, start_tls=None if not tls else False, timeout=10,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {exc}", final=True) from exc


async def send_messages(recipient: str, messages: list[OutgoingMessage]) -> None:
    """The outbox's e-mail channel (staff alerts): the first line is the subject."""
    body = "\n\n".join(m.text for m in messages if m.text)
    await send_email(recipient, body.split("\n", 1)[0][:120], body)
