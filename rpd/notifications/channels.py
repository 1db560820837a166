"""Delivery channels: how a notice leaves the building.

Each channel is a small class behind one interface, `Channel.send(notices)`,
which answers for every notice: None (the channel accepted it) or a
`DeliveryFailed` that says whether trying again could help. The worker
(`worker.py`) decides what to do with the answer; a channel never touches the
database.

A channel takes a batch so email can reuse one SMTP connection, and reports each
result as soon as it is known (the optional `report` callback), so the worker can
record "sent" straight after the server said yes rather than at the end of the
batch: a crash then loses at most the one answer in flight.
"""

from __future__ import annotations

import functools
import logging
import smtplib
from collections.abc import Callable, Sequence
from email.utils import parseaddr

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from . import mime
from .models import Notice

logger = logging.getLogger(__name__)

# Called with each notice and its result as soon as it is known; returning False asks
# the channel to stop and leave the rest of the batch unsent (and unreported).
Report = Callable[[Notice, "DeliveryFailed | None"], bool]


class DeliveryFailed(Exception):
    """A notice was not delivered; `permanent` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent

    def __repr__(self) -> str:
        return f"DeliveryFailed({str(self)!r}, permanent={self.permanent})"


class Channel:
    """One way of delivering notices."""

    name = "channel"

    def send(
        self, notices: Sequence[Notice], report: Report | None = None
    ) -> dict[int, DeliveryFailed | None]:
        """Try each notice once; answer {notice id: None when accepted, else why not}.

        A notice missing from the answer was not tried (because `report` said stop).
        """
        raise NotImplementedError

    @staticmethod
    def _tell(report: Report | None, notice: Notice, result: DeliveryFailed | None) -> bool:
        return report is None or report(notice, result) is not False


def message_id(notice: Notice) -> str:
    """The same Message-ID on every try of one notice, so a receiver can drop a repeat.

    The creation time is in it too, so two installations (or a database rebuilt from
    scratch) sending from one domain do not reuse each other's ids.
    """
    stamp = int(notice.created_at.timestamp()) if notice.created_at else 0
    return f"<rpd-notice-{notice.pk}.{stamp}@{_domain(django_settings.DEFAULT_FROM_EMAIL)}>"


@functools.cache
def _domain(from_email: str) -> str:
    # Parsed once, not once a message: parseaddr cost a tenth of a fast send.
    _, address = parseaddr(from_email)
    return address.rpartition("@")[2] or "rpd.invalid"


def _smtp_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SessionLost(DeliveryFailed):
    """A temporary failure after which the SMTP session cannot be used again."""

    def __init__(self, message: str):
        super().__init__(message, permanent=False)


class EmailChannel(Channel):
    """Email through Django's configured backend (SMTP in production).

    Over SMTP, Django's backend opens and closes the session (TLS, login, timeout) and
    the message goes as bytes written by `mime.render` down that one connection, kept
    open for the batch; Django's message objects cost more than the wire (ADR 014).
    Any other backend (the tests' in-memory outbox, the console) takes Django's
    message, which reads the same.
    """

    name = "email"

    def __init__(self, backend: str | None = None):
        self.backend = backend

    def message(self, notice: Notice, connection=None) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=notice.subject,
            body=notice.body_text,
            from_email=django_settings.DEFAULT_FROM_EMAIL,
            to=[notice.to_address],
            connection=connection,
            headers={
                "Message-ID": message_id(notice),
                # RFC 3834: an automatic message, so out-of-office replies stay away.
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(notice.body_html, "text/html")
        return message

    def send(
        self, notices: Sequence[Notice], report: Report | None = None
    ) -> dict[int, DeliveryFailed | None]:
        results: dict[int, DeliveryFailed | None] = {}
        connection = get_connection(self.backend, fail_silently=False)
        is_open = False
        try:
            for notice in notices:
                if not is_open:
                    try:
                        connection.open()
                        is_open = True
                    except Exception as error:  # any failure to connect
                        # Nothing gets through this batch: say so for every notice left
                        # rather than waiting for the same timeout once per message.
                        failure = DeliveryFailed(
                            f"could not connect to the mail server: {error!r}", permanent=False
                        )
                        for rest in notices[len(results) :]:
                            results[rest.pk] = failure
                            if not self._tell(report, rest, failure):
                                break
                        return results
                result = self._send_one(connection, notice)
                if isinstance(result, SessionLost):  # open a new session for the next one
                    self._close(connection)
                    is_open = False
                results[notice.pk] = result
                if not self._tell(report, notice, result):
                    break
        finally:
            if is_open:
                self._close(connection)
        return results

    def _send_one(self, connection, notice: Notice) -> DeliveryFailed | None:
        try:
            sent = self._deliver(connection, notice)
        except ValueError as error:
            # Raised while building the message, before anything is sent: a header with a
            # newline in it, an address that cannot be written. Trying again cannot help.
            return DeliveryFailed(f"the message cannot be built: {error}", permanent=True)
        except smtplib.SMTPRecipientsRefused as error:
            replies = error.recipients.values()
            text = "; ".join(_smtp_text(code, reply) for code, reply in replies)
            permanent = all(code >= 500 for code, _ in replies)
            return DeliveryFailed(f"recipient refused: {text}", permanent=permanent)
        except smtplib.SMTPSenderRefused as error:
            # Our own From address refused is the operator's to fix, and affects every
            # notice: keep them waiting rather than fail them all.
            text = _smtp_text(error.smtp_code, error.smtp_error)
            return DeliveryFailed(f"sender {error.sender!r} refused: {text}", permanent=False)
        except smtplib.SMTPNotSupportedError as error:  # e.g. an address needing SMTPUTF8
            return DeliveryFailed(f"the mail server cannot take it: {error}", permanent=True)
        except smtplib.SMTPResponseException as error:
            text = _smtp_text(error.smtp_code, error.smtp_error)
            if error.smtp_code == 421:  # "service not available, closing channel"
                return SessionLost(f"the mail server closed the session: {text}")
            permanent = error.smtp_code >= 500
            return DeliveryFailed(f"the mail server refused it: {text}", permanent=permanent)
        except (OSError, smtplib.SMTPException) as error:
            # Disconnected, timed out, reset, a TLS failure: this session is no use.
            return SessionLost(f"the mail server connection failed: {error!r}")
        if not sent:
            return DeliveryFailed("the email backend did not send it", permanent=False)
        return None

    def _deliver(self, connection, notice: Notice) -> bool:
        if not isinstance(connection, SMTPBackend):
            return connection.send_messages([self.message(notice, connection)]) == 1
        sender = mime.sender(django_settings.DEFAULT_FROM_EMAIL)
        to, content = mime.render(
            notice, sender, message_id(notice), django_settings.EMAIL_USE_LOCALTIME
        )
        connection.connection.sendmail(sender, [to], content)
        return True

    @staticmethod
    def _close(connection) -> None:
        try:
            connection.close()
        except Exception as error:  # a dead session may not say goodbye
            logger.debug("closing the mail connection: %r", error)


class NotifyChannel(Channel):
    """Email through GOV.UK Notify.

    The Notify template holds only ``((subject))`` as its subject and ``((body))`` as
    its body; the notice's reference is its id, so a notice sent twice (a retry after
    a timeout whose request did in fact arrive) can be found in Notify by reference.
    Notify sends plain text with its own formatting: the HTML body is not used.
    """

    name = "notify"
    PERMANENT_STATUSES = frozenset({400, 403})

    def __init__(
        self,
        api_key: str | None = None,
        template_id: str | None = None,
        base_url: str | None = None,
        timeout: float = 10,
    ):
        self.api_key = api_key if api_key is not None else django_settings.RPD_NOTIFY_API_KEY
        self.template_id = (
            template_id if template_id is not None else django_settings.RPD_NOTIFY_TEMPLATE_ID
        )
        self.base_url = base_url or django_settings.RPD_NOTIFY_BASE_URL
        self.timeout = timeout
        if not self.api_key:
            raise ImproperlyConfigured(
                "RPD_NOTICE_CHANNEL is notify but RPD_NOTIFY_API_KEY is empty"
            )
        if not self.template_id:
            raise ImproperlyConfigured(
                "RPD_NOTICE_CHANNEL is notify but RPD_NOTIFY_TEMPLATE_ID is empty"
            )

    def client(self):
        from notifications_python_client import NotificationsAPIClient

        return NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)

    def send(
        self, notices: Sequence[Notice], report: Report | None = None
    ) -> dict[int, DeliveryFailed | None]:
        results: dict[int, DeliveryFailed | None] = {}
        try:
            client = self.client()
        except Exception as error:  # e.g. a malformed key
            failure = DeliveryFailed(f"GOV.UK Notify client: {error!r}", permanent=False)
            for notice in notices:
                results[notice.pk] = failure
                if not self._tell(report, notice, failure):
                    break
            return results
        for notice in notices:
            results[notice.pk] = result = self._send_one(client, notice)
            if not self._tell(report, notice, result):
                break
        return results

    def _send_one(self, client, notice: Notice) -> DeliveryFailed | None:
        from notifications_python_client.errors import APIError, InvalidResponse

        try:
            client.send_email_notification(
                email_address=notice.to_address,
                template_id=self.template_id,
                personalisation={"subject": notice.subject, "body": notice.body_text},
                reference=str(notice.pk),
            )
        except InvalidResponse:
            # A 2xx whose body was not JSON: Notify took it; sending again would double it.
            logger.warning(
                "notice %s: GOV.UK Notify accepted it with an unreadable reply", notice.pk
            )
            return None
        except APIError as error:
            # A connection error or timeout has no response and reads as 503: temporary.
            cause = f" ({error.__cause__!r})" if error.response is None and error.__cause__ else ""
            return DeliveryFailed(
                f"GOV.UK Notify: {error.status_code} {error.message}{cause}",
                permanent=error.status_code in self.PERMANENT_STATUSES,
            )
        except Exception as error:  # anything else may pass: try later
            return DeliveryFailed(f"GOV.UK Notify: {error!r}", permanent=False)
        return None


CHANNELS: dict[str, type[Channel]] = {"email": EmailChannel, "notify": NotifyChannel}


def channel_for(settings=None) -> Channel:
    """The channel RPD_NOTICE_CHANNEL names ("email" or "notify")."""
    settings = settings or django_settings
    name = getattr(settings, "RPD_NOTICE_CHANNEL", "email") or "email"
    try:
        channel_class = CHANNELS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"RPD_NOTICE_CHANNEL: unknown channel {name!r} (use {' or '.join(CHANNELS)})"
        ) from None
    if channel_class is NotifyChannel:
        return NotifyChannel(
            api_key=settings.RPD_NOTIFY_API_KEY,
            template_id=settings.RPD_NOTIFY_TEMPLATE_ID,
            base_url=settings.RPD_NOTIFY_BASE_URL,
        )
    return channel_class()
