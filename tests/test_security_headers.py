"""Security headers on every response; static files kept by browsers under versioned addresses."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from quizapp.headers import HEADERS


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/style.css", "/no/such/page", "/sign-in"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # a static file's response holds the file open
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (path, name)


@pytest.mark.parametrize("host", ["a..b", "a" * 64 + ".example", "x" * 300])
def test_a_host_header_that_names_no_host_is_a_bad_request_with_the_headers(app, host):
    """Werkzeug cannot read it, so no address of the site can be built: the error page needs none."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 it once was would show
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.get_data(as_text=True)
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


def test_the_policy_runs_no_script_written_into_a_page():
    policy = dict(part.split(" ", 1) for part in HEADERS["Content-Security-Policy"].split("; "))
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_static_files_are_kept_under_addresses_that_change_with_them(client, app, tmp_path):
    page = client.get("/").get_data(as_text=True)
    addresses = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any(a.startswith("/static/style.css?v=") for a in addresses), addresses
    for address in addresses:
        path, digest = address.split("?v=")
        body = (Path(app.static_folder) / path.removeprefix("/static/")).read_bytes()
        assert digest == hashlib.sha256(body).hexdigest()[:12], address
        response = client.get(address)
        response.close()
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"], address
        assert "Cookie" not in response.headers.get("Vary", "") and "Set-Cookie" not in response.headers
    # Another server's digest (a rolling deploy) or none: served, but asked for again next time.
    for other in ("/static/style.css?v=0123456789ab", "/static/style.css"):
        response = client.get(other)
        response.close()
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache", other
