"""Security headers on every response: defence in depth behind escaping and sanitising.

Pages load scripts, styles and images from this site only, and no page runs a script written
into it: were a teacher's text ever to slip past escaping, the browser would still refuse its
script. Styles may be inline (the progress chart is an inline SVG with its own <style>).
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a download is never read as a page or a script
    "X-Frame-Options": "DENY",  # older browsers' frame-ancestors: no page inside another site's frame
    "Referrer-Policy": "same-origin",  # attempt and review addresses stay on this site
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
