"""Mail over SMTP (aiosmtplib): STARTTLS on a submission port, or TLS from the start (`smtps://`), with the login
from the environment. Each mail has a stable Message-ID, so a retry is the same mail; updates carry `In-Reply-To`
and `References` to the first, so a mail client shows one thread per incident."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

import aiosmtplib

from bot.config import EmailSettings
from bot.notify.wire import Refused, Unavailable

__all__ = ["Mailer"]


class Mailer:
    def __init__(
        self,
        *,
        settings: EmailSettings,
        username: str | None,
        password: str | None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.username = username
        self.password = password
        self.tls_context = tls_context  # None: the system's trust store (SSL_CERT_FILE is honoured)
        url = urlsplit(settings.smtp)
        self.host = url.hostname or "localhost"
        self.implicit_tls = url.scheme == "smtps"
        self.port = url.port or (465 if self.implicit_tls else 587 if settings.starttls else 25)

    def compose(
        self,
        *,
        to: str,
        subject: str,
        text: str,
        html: str,
        message_id: str,
        date: object,
        thread_of: str | None = None,
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = f"sevbot <{self.settings.from_}>"
        message["To"] = to
        message["Subject"] = " ".join(subject.split())[:250]
        message["Message-ID"] = message_id
        message["Date"] = format_datetime(date)  # type: ignore[arg-type]
        if thread_of:
            message["In-Reply-To"] = thread_of
            message["References"] = thread_of
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                use_tls=self.implicit_tls,
                start_tls=self.settings.starttls and not self.implicit_tls,
                username=self.username,
                password=self.password,
                tls_context=self.tls_context,
                timeout=self.settings.timeout_s,
            )
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise Refused(f"SMTP {self.host}: login refused ({exc.code} {exc.message})") from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            said = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            raise Refused(f"SMTP {self.host}: recipient refused ({said})") from None
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise Refused(f"SMTP {self.host}: {exc.code} {exc.message}") from None
            raise Unavailable(f"SMTP {self.host}: {exc.code} {exc.message}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ssl.SSLError) as exc:
            raise Unavailable(f"SMTP {self.host}:{self.port}: {type(exc).__name__} {exc}".strip()) from None

    async def reach(self) -> str:
        """Connect, EHLO, STARTTLS and log in as a mail would, and send nothing."""
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.implicit_tls,
            start_tls=self.settings.starttls and not self.implicit_tls,
            tls_context=self.tls_context,
            timeout=self.settings.timeout_s,
        )
        try:
            await client.connect()
            if self.username and self.password:
                await client.login(self.username, self.password)
            tls = "TLS" if self.implicit_tls else "STARTTLS" if self.settings.starttls else "no TLS"
            said = f"EHLO answered by {self.host}:{self.port} ({tls})"
            await client.quit()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise Refused(f"login refused ({exc.code} {exc.message})") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ssl.SSLError) as exc:
            raise Unavailable(f"{type(exc).__name__} {exc}".strip()) from None
        finally:
            if client.is_connected:
                client.close()
        return said + (", logged in" if self.username else "")
