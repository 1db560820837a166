"""A notice as the bytes an SMTP server takes: multipart/alternative, plain and HTML.

Written out directly rather than through Django's `EmailMultiAlternatives` or the
standard library's `EmailMessage`: both build a tree of objects and fold every
header through the email package's policies, which cost 2 ms (Django) and 10 ms
(`email.policy.SMTP`) a message where this takes a few hundredths of one, and a
worker sending near the wire spends most of its time there (ADR 014). What comes
out is what Django would send: the same headers, the bodies quoted-printable in
UTF-8, CRLF line ends. The uncommon cases (an address or a display name that is not
plain ASCII, a long or non-ASCII subject) go through the email package's own
encoders, so nothing here invents an encoding.
"""

from __future__ import annotations

import binascii
import functools
from email.header import Header
from email.utils import formatdate

from django.core.mail.message import sanitize_address

from .models import Notice

CRLF = b"\r\n"
# A line of a header may be 998 characters (RFC 5322); a subject longer than this is
# folded by the email package, as is any that is not plain ASCII.
LONGEST_PLAIN_SUBJECT = 900


@functools.cache
def sender(from_email: str) -> str:
    """The From header, worked out once for a batch (smtplib takes the envelope's address
    out of it, as it does from what Django's backend passes it); ValueError if unusable."""
    return sanitize_address(from_email, "utf-8")


def plain_address(address: str) -> str:
    """The address as it can go on the wire; ValueError if it cannot.

    An ordinary ASCII address goes as it is; anything else through Django's
    `sanitize_address` (an international domain in punycode, and its refusals).
    """
    if address.isascii() and address.isprintable() and " " not in address and "<" not in address:
        return address
    return sanitize_address(address, "utf-8")


def header_value(name: str, value: str) -> bytes:
    if "\n" in value or "\r" in value:
        # A newline would start a header of the sender's choosing (Bcc: everyone).
        raise ValueError(f"the {name} header has a newline in it: {value!r}")
    if value.isascii() and len(value) <= LONGEST_PLAIN_SUBJECT:
        return value.encode("ascii")
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n").encode("ascii")


def quoted_printable(text: str) -> bytes:
    # b2a_qp keeps the CRLF line ends it finds and escapes '=' (so the boundary, made of
    # '=' signs, can never appear in a body) and a '.' starting a line.
    crlf = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return binascii.b2a_qp(crlf.encode("utf-8"), istext=True)


def render(
    notice: Notice, from_header: str, message_id: str, localtime: bool = False
) -> tuple[str, bytes]:
    """The recipient's address and the whole message, ready for `smtplib.sendmail`."""
    to = plain_address(notice.to_address)
    boundary = b"==rpd-" + str(notice.pk).encode() + b"=="
    part = (
        b'Content-Type: text/%s; charset="utf-8"\r\n'
        b"MIME-Version: 1.0\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    message = b"".join(
        [
            b'Content-Type: multipart/alternative; boundary="',
            boundary,
            b'"\r\nMIME-Version: 1.0\r\nSubject: ',
            header_value("Subject", notice.subject),
            b"\r\nFrom: ",
            header_value("From", from_header),
            b"\r\nTo: ",
            header_value("To", to),
            b"\r\nDate: ",
            formatdate(localtime=localtime).encode("ascii"),
            b"\r\nMessage-ID: ",
            header_value("Message-ID", message_id),
            # RFC 3834: an automatic message, so out-of-office replies stay away.
            b"\r\nAuto-Submitted: auto-generated\r\n\r\n--",
            boundary,
            CRLF,
            part % b"plain",
            quoted_printable(notice.body_text),
            b"\r\n--",
            boundary,
            CRLF,
            part % b"html",
            quoted_printable(notice.body_html),
            b"\r\n--",
            boundary,
            b"--\r\n",
        ]
    )
    return to, message
