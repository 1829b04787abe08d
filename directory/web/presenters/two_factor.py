"""Setting up two-factor sign-in as finished data for templates: the QR code and the key. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from markupsafe import Markup

from directory.two_factor import Enrolment

QR_TITLE = "QR code for setting up your authenticator app"


@dataclass(frozen=True)
class EnrolmentView:
    # The QR code as inline SVG, drawn here (a QR service would learn the secret): markup we
    # made from the key alone, with no user text in it, so it is marked safe here.
    qr_code: Markup
    # The secret in groups of four, for typing into an app by hand.
    key: str


def enrolment_view(enrolment: Enrolment) -> EnrolmentView:
    qr = segno.make(enrolment.uri, error="m")
    secret = enrolment.secret
    key = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    drawn = qr.svg_inline(scale=5, border=4, light="#fff", title=QR_TITLE)
    return EnrolmentView(qr_code=Markup(drawn), key=key)  # noqa: S704 (see EnrolmentView)
