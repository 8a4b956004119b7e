"""The session cookie: signed again when the session changes, and an unchanged permanent one at
most once per `CookieSessions.REFRESH_AFTER` (not on every request)."""

from __future__ import annotations

import time

from quizapp.takers import CookieSessions

from .test_accounts import register, sign_out, signed_in_as
from .test_taking import Browser, loaded  # noqa: F401 (a fixture)


def session_cookie_set(response) -> bool:
    return any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


def test_an_unchanged_guest_session_is_not_signed_again_on_each_request(client, loaded, monkeypatch):  # noqa: F811
    browser = Browser(client)
    attempt_id, _ = browser.start("practice")  # the visitor becomes a guest: a permanent session
    assert client.get_cookie("session") is not None
    page = client.get(f"/attempts/{attempt_id}/1")
    assert page.status_code == 200 and not session_cookie_set(page)
    assert not session_cookie_set(client.get("/"))

    # Past REFRESH_AFTER, the next request signs it again (pushing its expiry back) ...
    later = time.time() + CookieSessions.REFRESH_AFTER.total_seconds() + 1
    monkeypatch.setattr(time, "time", lambda: later)
    refreshed = client.get("/")
    assert session_cookie_set(refreshed)
    assert "Expires=" in refreshed.headers["Set-Cookie"]
    # ... and the guest is still the same guest, with the same attempt.
    assert client.get(f"/attempts/{attempt_id}/1").status_code == 200


def test_a_changed_session_is_always_sent(client, loaded):  # noqa: F811
    browser = Browser(client)
    browser.start("practice")
    assert not session_cookie_set(client.get("/"))
    registered = register(browser)  # signing in changes the session: sent at once
    assert session_cookie_set(registered)
    signed_out = sign_out(browser)
    assert session_cookie_set(signed_out)
    assert signed_in_as(browser) is None


ODD_SESSIONS = [
    [],
    "text",
    7,
    None,
    {"_user_id": [1]},
    {"_user_id": 5},
    {"_user_id": {"id": 1}},
    {"_user_id": "token\x00"},
    {"_fresh": "yes", "_id": {}},
    {"csrf_token": 5},
    {"_flashes": "text"},
    {"_flashes": [1]},
    {"_flashes": [["error", "one", "two"]]},
    {"_permanent": [1]},
    {"_remember": 1, "_remember_seconds": "x"},
]


def signed(app, value: object) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(value)


def test_a_signed_cookie_of_another_shape_is_read_as_a_new_visitors_session(app, client, loaded):  # noqa: F811
    """One written by an older version, or by another app that shares the key and cookie name."""
    for value in ODD_SESSIONS:
        client.set_cookie("session", signed(app, value))
        for path in ("/", "/progress", "/sign-in"):
            response = client.get(path)
            assert response.status_code == 200, (value, path)
        assert Browser(client).start("practice")[0] > 0, value  # the visitor becomes a guest, as new
        client.delete_cookie("session")


def test_a_session_keeps_what_is_well_formed_beside_what_is_not(app, client, loaded):  # noqa: F811
    browser = Browser(client)
    attempt_id, _ = browser.start("practice")
    opened = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    client.set_cookie("session", signed(app, {**opened, "_flashes": [1], "unknown": {"a": 1}}))
    assert client.get(f"/attempts/{attempt_id}/1").status_code == 200  # still the same guest
