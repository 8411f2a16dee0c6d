"""Links that leave the browser (a reset link read aloud on the phone, pasted in a ticket,
or sent by mail) name the installation's public address, not whichever host name the
request that made them happened to use."""

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL for `endpoint` at `public_url`'s origin when it is set; otherwise at
    the request's own address (no proxy: the address served is the public one)."""
    public = current_app.config["PHYSNET"].public_url
    if not public:
        return url_for(endpoint, _external=True, **values)
    origin = urlsplit(public)
    return f"{origin.scheme}://{origin.netloc}{url_for(endpoint, **values)}"
