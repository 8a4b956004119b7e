"""Failed sign-ins are limited per account and per address, in counters every process shares."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import RateLimit
from quizapp.rate_limits import DatabaseStorage, stored_key
from quizapp.services.accounts import find_user, reset_password

from .test_accounts import PASSWORD, register, sign_in, sign_out, signed_in_as
from .test_taking import Browser, Page, location

START = 1_900_000_000.0
LIMITS = ("QUIZAPP_SIGN_IN_LIMIT_ACCOUNT", "QUIZAPP_SIGN_IN_LIMIT_ADDRESS")


class Clock:
    """The rate limits' clock (config QUIZAPP_LIMIT_CLOCK), moved forward by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.config["QUIZAPP_LIMIT_CLOCK"] = clock
    app.config["QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"] = "3/minute"
    app.config["QUIZAPP_SIGN_IN_LIMIT_ADDRESS"] = "100/minute"
    return clock


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


def wrong(
    browser: Browser, username: str = "alice", address: str = "192.0.2.1", password: str = "not the password"
) -> Any:
    """One sign-in with a wrong password (unless `password` is given), from `address`."""
    token = Page(browser.fetch("/sign-in")).form("/sign-in").value("csrf_token")
    return browser.open(
        "POST",
        "/sign-in",
        data={"csrf_token": token, "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_sign_ins_to_an_account_are_limited_for_a_while_only(browser, clock):
    register(browser)
    sign_out(browser)
    register(browser, "bob")
    sign_out(browser)
    for _ in range(3):
        assert wrong(browser).status_code == 422
    response = sign_in(browser)  # even the right password is refused for now
    assert response.status_code == 429
    page = Page(response)
    assert "Too many failed sign-ins" in page.text, page.text
    assert "Try again in 1 minute." in page.text, page.text
    assert response.headers["Retry-After"] == "60"
    assert signed_in_as(browser) is None
    assert sign_in(browser, "bob").status_code == 302  # another account is not affected
    sign_out(browser)

    clock.now += 30
    assert sign_in(browser).status_code == 429
    clock.now += 31  # the window has ended: nothing was locked for good
    response = sign_in(browser)
    assert location(response) == "/" and signed_in_as(browser) == "alice"


def test_failed_sign_ins_from_an_address_are_limited_whatever_the_account(app, browser, clock):
    app.config["QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"] = "100/minute"
    app.config["QUIZAPP_SIGN_IN_LIMIT_ADDRESS"] = "4/minute"
    for n in range(4):
        assert wrong(browser, f"user{n}").status_code == 422
    assert wrong(browser, "someone-else").status_code == 429
    assert wrong(browser, "someone-else", address="198.51.100.7").status_code == 422  # another address
    clock.now += 61
    assert wrong(browser, "someone-else").status_code == 422


def test_successful_sign_ins_are_not_counted(browser, clock):
    register(browser)
    sign_out(browser)
    for _ in range(5):
        assert sign_in(browser).status_code == 302
        sign_out(browser)


def test_a_form_refused_for_its_csrf_token_is_not_counted(browser, clock):
    for _ in range(5):
        response = browser.post("/sign-in", {"username": "alice", "password": "x"})
        assert response.status_code == 400
    assert db.session.scalars(select(RateLimit)).all() == []
    db.session.rollback()


CHILD = """
import sys
from quizapp import create_app
from quizapp.config import TestConfig
from quizapp.extensions import db

app = create_app(TestConfig(sys.argv[1], sys.argv[2]))
app.config["QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"] = "3/hour"
client = app.test_client()
for _ in range(2):
    with app.app_context():
        page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    with app.app_context():
        data = {"csrf_token": token, "username": "alice", "password": "nope"}
        response = client.post("/sign-in", data=data)
        print(response.status_code)
with app.app_context():
    db.engine.dispose()
"""


def test_the_counters_are_shared_by_every_process(app, browser, database_url, tmp_path: Path):
    """Another process (another gunicorn worker or server) counts against the same limit."""
    app.config["QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"] = "3/hour"
    register(browser)
    sign_out(browser)
    db.session.remove()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "child-instance"), database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split() == ["422", "422"]
    stranger = Browser(app.test_client())  # a browser that never signed in to the account
    assert wrong(stranger).status_code == 422  # the third failure, counted here
    assert sign_in(stranger).status_code == 429


# --- the storage itself -----------------------------------------------------------------------------


@pytest.fixture
def storage(app, clock) -> DatabaseStorage:
    return DatabaseStorage("database://")


def test_storage_counts_within_a_window_and_starts_again_after_it(storage, clock):
    assert storage.get("k") == 0
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5
    assert storage.get("k") == 5
    assert storage.get_expiry("k") == START + 60
    clock.now += 60
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == START + 120
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2
    assert storage.check()


def test_storage_keeps_long_keys_apart(storage):
    first, second = "x" * 300 + "1", "x" * 300 + "2"
    assert len(stored_key(first)) <= 255 and stored_key(first) != stored_key(second)
    storage.incr(first, 60)
    assert storage.get(first) == 1 and storage.get(second) == 0


def test_storage_sweeps_windows_ended_long_ago(storage, clock):
    storage.incr("old", 60)
    clock.now += 60 + 3600
    storage.incr("new", 60)
    keys = db.session.scalars(select(RateLimit.key)).all()
    db.session.rollback()
    assert keys == ["new"]


def test_concurrent_increments_are_never_lost(app, storage):
    db.session.rollback()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                for _ in range(20):
                    storage.incr("busy", 60)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert storage.get("busy") == 80


def test_behind_a_proxy_the_forwarded_address_is_limited(app, browser, clock, database_url, monkeypatch):
    """QUIZAPP_PROXY_HOPS=1 trusts X-Forwarded-For; without it the header is ignored (it can be forged)."""
    from quizapp import create_app
    from quizapp.config import TestConfig

    def fail(client: Browser, forwarded: str) -> int:
        token = Page(client.fetch("/sign-in")).form("/sign-in").value("csrf_token")
        data = {"csrf_token": token, "username": "x", "password": "wrong password"}
        return client.open("POST", "/sign-in", data=data, headers={"X-Forwarded-For": forwarded}).status_code

    app.config["QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"] = "100/minute"
    app.config["QUIZAPP_SIGN_IN_LIMIT_ADDRESS"] = "2/minute"
    assert [fail(browser, "203.0.113.1"), fail(browser, "203.0.113.2")] == [422, 422]
    assert fail(browser, "203.0.113.3") == 429  # all three came from the test client's own address
    clock.now += 61

    monkeypatch.setenv("QUIZAPP_PROXY_HOPS", "1")
    proxied = create_app(TestConfig(app.instance_path, database_url))
    proxied.config.update({name: app.config[name] for name in ("QUIZAPP_LIMIT_CLOCK", *LIMITS)})
    client = Browser(proxied.test_client())
    with proxied.app_context():
        assert [fail(client, "203.0.113.1"), fail(client, "203.0.113.1")] == [422, 422]
        assert fail(client, "203.0.113.1") == 429
        assert fail(client, "203.0.113.2") == 422  # another client behind the same proxy
        db.session.remove()
        db.engine.dispose()


def test_wrong_passwords_on_the_account_pages_are_limited_per_account(browser, clock):
    """A session left open on a shared computer must not let anyone guess its password at will."""
    register(browser)

    def change(current: str) -> Any:
        page = browser.get("/account/password")
        fields = {
            "current_password": current,
            "new_password": "a new long phrase",
            "confirm": "a new long phrase",
        }
        return browser.submit(page, "/account/password", fields)

    def delete(password: str) -> Any:
        return browser.submit(browser.get("/account/delete"), "/account/delete", {"password": password})

    assert change("guess one").status_code == 422
    assert delete("guess two").status_code == 422
    assert change("guess three").status_code == 422
    for response in (change("correct horse battery"), delete("correct horse battery")):
        assert response.status_code == 429
        assert "Too many wrong passwords" in Page(response).text
    assert signed_in_as(browser) == "alice"  # nothing changed, nothing deleted
    clock.now += 61
    assert location(change("correct horse battery")) == "/account"


def test_a_browser_that_signed_in_before_is_not_locked_out_by_others(app, browser, clock):
    """Others' failures must not keep an account's owner out (OWASP's device cookies)."""
    app.config["QUIZAPP_SIGN_IN_LIMIT_ADDRESS"] = "4/minute"
    register(browser)  # this browser now knows the account
    sign_out(browser)
    attacker = Browser(app.test_client())
    for _ in range(3):
        assert wrong(attacker).status_code == 422  # the account's limit: 3 a minute
    assert sign_in(attacker).status_code == 429  # even with the right password, for them
    assert wrong(attacker, "someone-else").status_code == 422  # the address's 4th failure
    assert wrong(attacker, "someone-else").status_code == 429
    # the owner's browser, at the same address, signs in all the same
    assert location(wrong(browser, password=PASSWORD)) == "/" and signed_in_as(browser) == "alice"
    sign_out(browser)
    # its own wrong passwords are still limited, on a counter of its own
    for _ in range(3):
        assert wrong(browser).status_code == 422
    assert sign_in(browser).status_code == 429
    # a forged or foreign device cookie counts for nothing
    forger = Browser(app.test_client())
    forger.client.set_cookie("quizapp_device", browser.client.get_cookie("quizapp_device").value + "x")
    assert sign_in(forger).status_code == 429
    # a new password (here an admin's reset) makes every browser unknown to the account again
    clock.now += 61
    reset_password(db.session, find_user(db.session, "alice"), "a brand new phrase")
    db.session.commit()
    for _ in range(3):
        assert wrong(attacker).status_code == 422
    assert sign_in(browser, password="a brand new phrase").status_code == 429
