"""Sign-in security: fixation, replayed cookies, off-site redirects, CSRF, roles, cookie flags."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from quizapp import create_app
from quizapp.config import TestConfig
from quizapp.extensions import db
from quizapp.redirects import safe_next

from .factories import write_bank
from .test_accounts import (
    OTHER_PASSWORD,
    PASSWORD,
    practise_one,
    register,
    sign_in,
    sign_in_target,
    sign_out,
    signed_in_as,
    user_named,
)
from .test_taking import Browser, load, location, taking_bank


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def other(client) -> Browser:
    return Browser(client.application.test_client())


@pytest.fixture
def loaded(runner, tmp_path) -> None:
    load(runner, write_bank(tmp_path / "bank" / "bank.yaml", taking_bank()))


def session_data(app: Any, browser: Browser) -> dict[str, Any]:
    cookie = browser.client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}


def copy_cookies(app: Any, source: Browser, *names: str) -> Browser:
    """A new browser holding only copies of `source`'s cookies `names`."""
    copy = Browser(app.test_client())
    for name in names:
        cookie = source.client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        copy.client.set_cookie(name, cookie.value)
    return copy


# --- session fixation and replay ------------------------------------------------------------------


def test_signing_in_starts_a_new_session(app, browser, other, loaded):
    register(other)
    sign_out(other)
    practise_one(browser)  # a guest, with a CSRF token and a guest's session token in the session
    before = session_data(app, browser)
    assert before["_user_id"] and before["csrf_token"]
    planted = copy_cookies(app, browser, "session")  # as if an attacker had set or copied it

    sign_in(browser)
    after = session_data(app, browser)
    assert after["_user_id"] == user_named("alice").session_token != before["_user_id"]
    assert before["csrf_token"] not in after.values()  # nothing of the old session carries over
    assert signed_in_as(browser) == "alice"
    assert signed_in_as(planted) is None  # the pre-sign-in cookie gives no access to the account


def test_a_copied_session_cookie_stops_working_at_sign_out(app, browser):
    register(browser)
    stolen = copy_cookies(app, browser, "session")
    assert signed_in_as(stolen) == "alice"  # the copy works while the session lasts
    sign_out(browser)
    assert signed_in_as(stolen) is None
    assert stolen.fetch("/account").status_code == 302


def test_a_copied_remember_me_cookie_stops_working_at_sign_out(app, browser):
    register(browser)
    sign_out(browser)
    sign_in(browser, remember="y")
    stolen = copy_cookies(app, browser, "remember_token")
    assert signed_in_as(copy_cookies(app, browser, "remember_token")) == "alice"
    sign_out(browser)
    assert browser.client.get_cookie("remember_token") is None  # deleted in this browser
    assert signed_in_as(stolen) is None  # and worthless elsewhere


def test_changing_the_password_ends_copied_cookies(app, browser):
    register(browser)
    sign_out(browser)
    sign_in(browser, remember="y")
    stolen = copy_cookies(app, browser, "session", "remember_token")
    page = browser.get("/account/password")
    fields = {"current_password": PASSWORD, "new_password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD}
    assert browser.submit(page, "/account/password", fields).status_code == 302
    assert signed_in_as(browser) == "alice"
    assert signed_in_as(stolen) is None
    assert signed_in_as(copy_cookies(app, browser, "remember_token")) == "alice"  # re-issued here


# --- where to go after signing in -----------------------------------------------------------------

HOSTILE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "http:/evil.example",
    "evil.example",
    "https:evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/account", "/attempts/3/1?x=1#top", "/help/scoring"])
def test_safe_next_keeps_paths_of_this_site(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "data:,"])
def test_signing_in_or_registering_never_redirects_off_site(browser, target):
    response = register(browser, next=target)
    assert location(response) == "/"
    sign_out(browser)
    page = browser.get("/sign-in")
    data = page.form("/sign-in").values()
    for name, value in {"username": "alice", "password": PASSWORD, "next": target}.items():
        data[name] = value  # posted directly, as a forged form would be
    assert location(browser.post("/sign-in", data)) == "/"


def test_signing_in_returns_to_the_page_asked_for(browser, other):
    register(other)
    response = browser.fetch("/account/password")
    assert sign_in_target(response) == "/account/password"
    assert location(sign_in(browser, next="/account/password")) == "/account/password"


# --- CSRF -------------------------------------------------------------------------------------------


def admin_and_student(app: Any, runner: Any) -> tuple[Browser, int]:
    """A signed-in admin's browser and a student's id."""
    for name, role in (("root", "admin"), ("sam", "student")):
        result = runner.invoke(
            args=["user", "create", name, "--role", role, "--password-stdin"], input=PASSWORD + "\n"
        )
        assert result.exit_code == 0, result.output
    admin = Browser(app.test_client())
    assert sign_in(admin, "root").status_code == 302
    return admin, user_named("sam").id


def test_every_account_form_refuses_a_post_without_its_csrf_token(app, runner, snapshot):
    admin, student_id = admin_and_student(app, runner)
    posts = {
        "/register": {"username": "eve", "password": PASSWORD, "confirm": PASSWORD},
        "/sign-in": {"username": "root", "password": PASSWORD},
        "/sign-out": {},
        "/account/password": {"current_password": PASSWORD, "new_password": OTHER_PASSWORD},
        "/account/delete": {"password": PASSWORD},
        f"/admin/users/{student_id}/role": {"role": "teacher"},
    }
    before = snapshot()
    for url, data in posts.items():
        response = admin.post(url, MultiDict(data))
        assert response.status_code == 400, url
        assert "security token" in response.get_data(as_text=True)
    assert snapshot() == before
    assert signed_in_as(admin) == "root"


# --- roles ------------------------------------------------------------------------------------------


def test_only_an_admin_changes_roles(app, runner, browser):
    admin, student_id = admin_and_student(app, runner)
    url = f"/admin/users/{student_id}/role"

    student = Browser(app.test_client())
    sign_in(student, "sam")
    assert student.fetch("/admin/users").status_code == 403
    token_page = student.get("/account")
    token = token_page.html.split('name="csrf_token" value="')[1].split('"')[0]
    response = student.post(url, {"csrf_token": token, "role": "admin"})
    assert response.status_code == 403
    assert user_named("sam").role == "student"

    response = browser.fetch("/admin/users")  # a visitor is asked to sign in
    assert sign_in_target(response) == "/admin/users"

    page = admin.get("/admin/users")
    assert page.labels.get(f"role-{student_id}") == "Role of sam"
    response = admin.submit(page, url, {"role": "teacher"})
    assert location(response) == "/admin/users"
    assert user_named("sam").role == "teacher"
    assert "sam is now teacher" in admin.get("/admin/users").text


def test_an_admin_cannot_submit_a_role_that_does_not_exist_nor_demote_the_last_admin(app, runner):
    admin, student_id = admin_and_student(app, runner)
    page = admin.get("/admin/users")
    admin.submit(page, f"/admin/users/{student_id}/role", {"role": "superuser"})
    assert user_named("sam").role == "student"
    assert "Choose one of the roles" in admin.get("/admin/users").text

    root_id = user_named("root").id
    admin.submit(admin.get("/admin/users"), f"/admin/users/{root_id}/role", {"role": "student"})
    assert user_named("root").role == "admin"
    assert "the only admin" in admin.get("/admin/users").text


# --- cookie flags -------------------------------------------------------------------------------------


def test_cookies_are_http_only_and_same_site_lax(browser):
    response = register(browser)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("setting", ["production", "secure-cookies"])
def test_cookies_are_secure_when_served_over_https(monkeypatch, tmp_path, database_url, setting):
    if setting == "production":
        monkeypatch.setenv("QUIZAPP_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", "a-production-key")
    else:
        monkeypatch.setenv("QUIZAPP_SECURE_COOKIES", "true")
    monkeypatch.setenv("QUIZAPP_PROXY_HOPS", "1")
    from flask_migrate import upgrade

    app = create_app(TestConfig(tmp_path / "instance", database_url))
    with app.app_context():
        upgrade()
        client = Browser(app.test_client())  # each request in an app context of its own
        https = {
            "headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
            "base_url": "https://localhost",  # the test client sends Secure cookies over https only
        }

        def post(url: str, data: dict[str, str]) -> Any:
            page = client.open("GET", url, **https).get_data(as_text=True)
            token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
            headers = {**https["headers"], "Referer": f"https://localhost{url}"}
            form = {"csrf_token": token, **data}
            return client.open("POST", url, data=form, headers=headers, base_url=https["base_url"])

        response = post("/register", {"username": "alice", "password": PASSWORD, "confirm": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        session = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
        response = post("/sign-in", {"username": "alice", "password": PASSWORD, "remember": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
        assert "Secure" in remember and "HttpOnly" in remember and "SameSite=Lax" in remember
        db.session.remove()
        db.engine.dispose()
