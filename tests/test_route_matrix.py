"""Every route of the app, for every kind of user: the status each must get, and no other.

`ROUTES` has one entry per endpoint of `app.url_map` (a test fails when a rule has none, so a
new route cannot go untested). Each entry says how to build its URL from the objects of the
`World` (owned by the first student, so that "another student" tries swapped ids) and what each
role gets for GET and for POST. A POST is sent twice: with a CSRF token taken from a page of that
user (the status in the table), and without one (400 for everyone). A method a rule lacks gets
405. To add a route: add `"endpoint": Route("/url/{placeholder}", get=..., post=...)`, with the
helpers below (`everyone`, `signed_in`, `owner_only`, `teachers`, `admins`) or a dict by role.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from quizapp.extensions import db
from quizapp.models import Attempt, Fact, Question, Quiz, Slot, Source, User

from .conftest import CliRunner, _postgres_schema_url, make_app
from .factories import write_bank
from .test_accounts import PASSWORD, sign_in
from .test_taking import Browser, load, location, taking_bank

ROLES = ("anonymous", "guest", "student", "other", "teacher", "admin")
SIGN_IN = "sign-in"  # a 302 to the sign-in page
Expect = dict[str, int | str]
HUGE = 10**20  # beyond any integer column


def everyone(status: int | str) -> Expect:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int | str) -> Expect:
    """Accounts get `status`; a visitor or a guest is sent to sign in."""
    return {**everyone(status), "anonymous": SIGN_IN, "guest": SIGN_IN}


def owner_only(status: int | str, others: int | str = 404) -> Expect:
    """The first student (who owns the attempt of the URL) gets `status`, everyone else `others`; a
    visitor without a user (signed out, or in another browser) is sent to sign in."""
    return {**everyone(others), "anonymous": SIGN_IN, "student": status}


def no_attempt() -> Expect:
    """An attempt page that does not exist: 404, but a visitor without a user is sent to sign in."""
    return {**everyone(404), "anonymous": SIGN_IN}


def teachers(status: int | str = 200) -> Expect:
    return {
        "anonymous": SIGN_IN,
        "guest": 403,
        "student": 403,
        "other": 403,
        "teacher": status,
        "admin": status,
    }


def admins(status: int | str = 200) -> Expect:
    return {**signed_in(403), "admin": status}


@dataclass(frozen=True)
class Route:
    """One URL of an endpoint and the status each role gets; None: the method is not offered (405)."""

    url: str  # formatted with the World's ids: {open}, {finished}, {student_id}, {quiz}, {seq}, ...
    get: Expect | None = None
    post: Expect | None = None
    data: dict[str, str] = field(default_factory=dict)  # the POST's fields besides the CSRF token


ROUTES: dict[str, Route | tuple[Route, ...]] = {
    "static": Route("/static/style.css", get=everyone(200)),
    "home.health": Route("/healthz", get=everyone(200)),
    "home.index": Route("/", get=everyone(200)),
    "home.practise": Route("/practise", post=everyone(422)),  # nothing picked
    "quiz.scoring_help": Route("/help/scoring", get=everyone(200)),
    "quiz.start": (
        Route("/quizzes/{quiz}/start", post=everyone(302)),
        Route("/quizzes/no-such-quiz/start", post=everyone(404)),
        Route("/quizzes/a%00b/start", post=everyone(400)),  # NUL: refused before anything
    ),
    # "Start now?" before a time limit starts; a quiz without one (or none at all) sends home
    "quiz.confirm_start": (
        Route("/quizzes/{quiz}/start", get=everyone(302)),
        Route("/quizzes/no-such-quiz/start", get=everyone(302)),
        Route("/quizzes/a%00b/start", get=everyone(400)),
    ),
    "quiz.question": (
        Route(
            "/attempts/{open}/1",
            get=owner_only(200),
            post=owner_only(302),  # the first page, already checked: saving changes nothing
            data={"seq": "{seq}", "go": "save"},
        ),
        Route("/attempts/{open}/99", get=no_attempt(), post=no_attempt(), data={"seq": "1"}),
        Route("/attempts/{missing}/1", get=no_attempt(), post=no_attempt(), data={"seq": "1"}),
        Route(f"/attempts/{HUGE}/1", get=everyone(404), post=everyone(404), data={"seq": "1"}),
        Route(f"/attempts/{{open}}/{HUGE}", get=everyone(404), post=everyone(404), data={"seq": "1"}),
        # A finished attempt's page sends its owner to the review; an answer posted to it is refused.
        Route("/attempts/{finished}/1", get=owner_only(302), post=owner_only(409), data={"seq": "1"}),
    ),
    "quiz.summary": (
        Route("/attempts/{open}/summary", get=owner_only(200)),
        Route("/attempts/{finished}/summary", get=owner_only(302)),
    ),
    "quiz.confirm_finish": Route("/attempts/{open}/finish", get=owner_only(200)),
    # Finishing the finished attempt again: its review, for its owner; nobody else's to finish.
    "quiz.finish": Route("/attempts/{finished}/finish", post=owner_only(302)),
    "quiz.review": (
        Route("/attempts/{finished}/review", get=owner_only(200)),
        Route(f"/attempts/{HUGE}/review", get=everyone(404)),
        Route("/attempts/{open}/review", get=owner_only(302)),  # back to the question
    ),
    "quiz.practise_missed": (
        Route("/attempts/{finished}/practise-missed", post=owner_only(302)),
        Route("/attempts/{open}/practise-missed", post=no_attempt()),
    ),
    "progress.index": (
        Route("/progress", get=everyone(200)),
        Route(f"/progress?page={HUGE}", get=everyone(200)),
        Route("/progress?page=-1", get=everyone(200)),
    ),
    "progress.export_csv": (
        Route("/progress/export/attempts.csv", get=everyone(200)),
        Route("/progress/export/users.csv", get=everyone(404)),
    ),
    "progress.export_json": Route("/progress/export.json", get=everyone(200)),
    "progress.start_review": Route("/review", post=everyone(302)),  # nothing due: back to progress
    "auth.sign_in": (
        Route("/sign-in", get=everyone(200), post=everyone(422)),  # no username
        # PostgreSQL refuses NUL in any string: refused before it gets there.
        Route("/sign-in?next=/a%00b", get=everyone(400), post=everyone(400), data={"username": "a\x00b"}),
    ),
    # Signed in, registering would switch accounts silently: the account page says to sign out first.
    "auth.register_account": Route(
        "/register",
        get={**everyone(302), "anonymous": 200, "guest": 200},
        post={**everyone(302), "anonymous": 422, "guest": 422},
    ),
    "auth.sign_out": Route("/sign-out", post=everyone(302)),
    "account.index": Route("/account", get=signed_in(200)),
    "account.password": Route("/account/password", get=signed_in(200), post=signed_in(422)),
    "account.delete": Route("/account/delete", get=signed_in(200), post=signed_in(422)),  # no password
    "account.time_zone": Route("/account/time-zone", post=signed_in(302), data={"time_zone": "Asia/Tokyo"}),
    "admin.users": (
        Route("/admin/users", get=admins(200)),
        Route(f"/admin/users?page={HUGE}", get=admins(200)),
    ),
    "admin.change_role": (
        Route("/admin/users/{student_id}/role", post=admins(302), data={"role": "student"}),
        Route(f"/admin/users/{HUGE}/role", post=everyone(404), data={"role": "student"}),  # matches no rule
    ),
    "teach.index": Route("/teach/", get=teachers(200)),
    # Listings, and one question's page; a missing or huge id is 404 for teachers, 403 for others.
    "teach.questions": Route("/teach/questions?type=cloze&page=2", get=teachers(200)),
    "teach.facts": Route("/teach/facts?draft=y", get=teachers(200)),
    "teach.sources": Route("/teach/sources", get=teachers(200)),
    "teach.question": (
        Route("/teach/questions/{question}", get=teachers(200)),
        Route("/teach/questions/{missing_question}", get=teachers(404)),
    ),
    # Forms posted empty come back with their errors (422); nothing is saved.
    "teach.new_question": (
        Route("/teach/questions/new", get=teachers(200)),
        Route("/teach/questions/new?type=matching", get=teachers(200), post=teachers(422)),
    ),
    "teach.edit_question": (
        Route("/teach/questions/{question}/edit", get=teachers(200), post=teachers(422)),
        Route(f"/teach/questions/{HUGE}/edit", get=everyone(404), post=everyone(404)),  # no rule
        Route("/teach/questions/{missing_question}/edit", get=teachers(404), post=teachers(404)),
    ),
    "teach.preview_question": (
        Route("/teach/questions/{question}/preview", get=teachers(200)),
        Route("/teach/questions/{missing_question}/preview", get=teachers(404)),
    ),
    # Retiring, restoring and deleting: the real ones are tested in test_teach_catalogue.
    "teach.retire_question": Route("/teach/questions/{missing_question}/retire", post=teachers(404)),
    "teach.restore_question": Route("/teach/questions/{missing_question}/restore", post=teachers(404)),
    "teach.delete_question": Route("/teach/questions/{missing_question}/delete", post=teachers(404)),
    "teach.new_source": Route("/teach/sources/new", get=teachers(200), post=teachers(422)),
    "teach.edit_source": (
        # Posted empty: no version named, so refused as stale (409) before the fields are judged.
        Route("/teach/sources/{source}/edit", get=teachers(200), post=teachers(409)),
        Route("/teach/sources/{missing}/edit", get=teachers(404), post=teachers(404)),
    ),
    "teach.new_fact": (
        Route("/teach/facts/new", get=teachers(200)),
        Route("/teach/facts/new?source={source_key}", get=teachers(200), post=teachers(422)),
    ),
    "teach.edit_fact": (
        Route("/teach/facts/{fact}/edit", get=teachers(200), post=teachers(409)),  # as sources
        Route("/teach/facts/{missing}/edit", get=teachers(404), post=teachers(404)),
    ),
    "teach.quizzes": Route("/teach/quizzes", get=teachers(200)),
    "teach.new_quiz": Route("/teach/quizzes/new", get=teachers(200), post=teachers(422)),
    "teach.edit_quiz": (
        Route("/teach/quizzes/{quiz_id}", get=teachers(200), post=teachers(422)),
        Route("/teach/quizzes/{missing}", get=teachers(404), post=teachers(404)),
    ),
    "teach.retire_quiz": Route("/teach/quizzes/{missing}/retire", post=teachers(404)),
    "teach.restore_quiz": Route("/teach/quizzes/{missing}/restore", post=teachers(404)),
    "teach.import_bank": Route("/teach/import", get=teachers(200), post=teachers(422)),  # no file
    # Nobody's kept upload: 404 for teachers too (another teacher's is tested in test_web_import).
    "teach.confirm_import": Route("/teach/import/{missing}", get=teachers(404), post=teachers(404)),
    "teach.pending_import": Route("/teach/import/{missing}", get=teachers(404), post=teachers(404)),
    "teach.export_bank": Route("/teach/export", get=teachers(200)),
    "teach.export_yaml_file": (
        Route("/teach/export/yaml", get=teachers(200)),
        Route("/teach/export/yaml?source=no-such-source", get=teachers(404)),
    ),
    "teach.export_gift_file": Route("/teach/export/gift", get=teachers(200)),
}


def cases(endpoint: str) -> tuple[Route, ...]:
    entry = ROUTES[endpoint]
    return entry if isinstance(entry, tuple) else (entry,)


# --- the world: users and the first student's attempts, built once per backend ---------------------


@dataclass
class World:
    app: Flask
    ids: dict[str, Any]
    user_ids: dict[str, int]  # by role (not anonymous)

    def client(self, role: str) -> Browser:
        """A new browser signed in as `role` with the user's current session token (as after sign-in)."""
        client = self.app.test_client()
        if role != "anonymous":
            db.session.remove()
            token = db.session.scalar(select(User.session_token).where(User.id == self.user_ids[role]))
            db.session.rollback()
            with client.session_transaction() as session:
                session["_user_id"] = token
                session["_fresh"] = role != "guest"
                session.permanent = True
        return Browser(client)

    def url(self, route: Route) -> str:
        return route.url.format(**self.ids)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("route-matrix")
    urls = (
        iter([f"sqlite:///{folder / 'test.sqlite3'}"])
        if request.param == "sqlite"
        else _postgres_schema_url()
    )
    url = next(urls)
    app = make_app(url, folder / "instance")
    with app.app_context():
        runner = CliRunner(app)
        load(runner, write_bank(folder / "bank" / "bank.yaml", taking_bank()))
        names = {"student": "sam", "other": "olga", "teacher": "tess", "admin": "root"}
        for role, name in names.items():
            account_role = "student" if role == "other" else role
            result = runner.invoke(
                args=["user", "create", name, "--role", account_role], input=PASSWORD + "\n"
            )
            assert result.exit_code == 0, result.output
        guest = Browser(app.test_client())
        guest.submit(guest.get("/"), "/quizzes/practice/start")

        owner = Browser(app.test_client())
        sign_in(owner, "sam")
        open_id, page = owner.start("practice")
        assert (
            owner.submit(
                page, "/attempts/", page.fields_for("single_choice", "right 0"), go="check"
            ).status_code
            == 302
        )
        seq = owner.get(f"/attempts/{open_id}/1").form("/attempts/").value("seq")
        finished_id, _page = owner.start("exam")
        owner.submit(owner.get(f"/attempts/{finished_id}/finish"), f"/attempts/{finished_id}/finish")

        db.session.remove()
        user_ids = {
            role: db.session.scalar(select(User.id).where(User.username == n)) for role, n in names.items()
        }
        user_ids["guest"] = db.session.scalar(select(User.id).where(User.is_guest.is_(True)))
        assert db.session.get(Attempt, finished_id).state != "open"
        db.session.rollback()
        bank_ids = {
            name: db.session.scalar(select(model.id).order_by(model.id).limit(1))
            for name, model in (("question", Question), ("fact", Fact), ("source", Source), ("quiz_id", Quiz))
        }
        ids = {
            **bank_ids,
            "missing_question": bank_ids["question"] + 1000,
            "source_key": db.session.scalar(select(Source.key).where(Source.id == bank_ids["source"])),
            "open": open_id,
            "finished": finished_id,
            "missing": finished_id + 1000,
            "student_id": user_ids["student"],
            "quiz": "practice",
            "seq": seq,
        }
        try:
            yield World(app, ids, user_ids)
        finally:
            db.session.remove()
            db.engine.dispose()
            next(urls, None)


# --- the checks --------------------------------------------------------------------------------------


def outcome(response: Any) -> int | str:
    """The status, or SIGN_IN for a redirect to the sign-in page."""
    response.close()  # a static file's response holds the file open
    if response.status_code == 302 and location(response).startswith("/sign-in"):
        return SIGN_IN
    return response.status_code


def csrf_token(browser: Browser) -> str:
    """The CSRF token of a real page of this browser's user (the home page's forms)."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.get("/").html)
    if match is None:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get("/").html)
    assert match, "no CSRF token on the home page"
    return match.group(1)


def test_every_rule_of_the_url_map_is_in_the_table(world: World):
    missing = []
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint not in ROUTES:
            missing.append(f"{rule.endpoint} ({rule.rule})")
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not any(getattr(case, method.lower()) is not None for case in cases(rule.endpoint)):
                missing.append(f"{rule.endpoint} {method} ({rule.rule}): no expectation")
    stale = sorted(set(ROUTES) - {rule.endpoint for rule in world.app.url_map.iter_rules()})
    assert not missing, "routes missing from ROUTES in tests/test_route_matrix.py:\n" + "\n".join(missing)
    assert not stale, f"ROUTES names endpoints the app no longer has: {stale}"


def _methods(app: Flask, endpoint: str) -> set[str]:
    return {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods}


def _routed(app: Flask, url: str, method: str) -> bool:
    """Whether some rule takes this URL and method (else 404 or 405 comes before any CSRF check)."""
    try:
        app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    except HTTPException:
        return False
    return True


def _served_by_another_rule(app: Flask, url: str, method: str, endpoint: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        found, _args = adapter.match(url.split("?")[0], method=method)
    except HTTPException:  # 405 or 404: no other rule serves it
        return False
    return found != endpoint


def test_each_role_gets_the_expected_status_on_every_route(world: World):
    wrong: list[str] = []
    checked = 0
    for endpoint in ROUTES:
        for case in cases(endpoint):
            url = world.url(case)
            for role in ROLES:
                for method in ("GET", "POST"):
                    expected = getattr(case, method.lower())
                    if expected is None:
                        if method in _methods(world.app, endpoint) or _served_by_another_rule(
                            world.app, url, method, endpoint
                        ):
                            continue  # offered, but not tested with this URL
                        expected = everyone(405)
                    browser = world.client(role)
                    if method == "GET":
                        got = outcome(browser.fetch(url))
                        checked += 1
                        if got != expected[role]:
                            wrong.append(f"GET {url} as {role}: {got}, expected {expected[role]}")
                        continue
                    data = {name: value.format(**world.ids) for name, value in case.data.items()}
                    got = outcome(browser.post(url, data))
                    checked += 1
                    refused = expected[role] if not _routed(world.app, url, method) else 400
                    if got != refused:
                        wrong.append(f"POST {url} as {role} without CSRF: {got}, expected {refused}")
                    browser = world.client(role)
                    got = outcome(browser.post(url, {**data, "csrf_token": csrf_token(browser)}))
                    checked += 1
                    if got != expected[role]:
                        wrong.append(f"POST {url} as {role}: {got}, expected {expected[role]}")
    assert checked > 200
    assert not wrong, "unexpected statuses:\n" + "\n".join(wrong)


# --- forged fields ----------------------------------------------------------------------------------

FORGED = {"role": "admin", "is_guest": "0", "user_id": "1", "id": "1", "session_token": "x"}


def _user(world: World, user_id: int) -> tuple:
    db.session.remove()
    user = db.session.get(User, user_id)
    row = (user.username, user.role, user.is_guest, user.session_token is not None)
    db.session.rollback()
    return row


def test_forged_role_fields_in_forms_change_nothing(world: World):
    forged = {**FORGED, "user_id": str(world.user_ids["admin"]), "id": str(world.user_ids["admin"])}
    admin_before = _user(world, world.user_ids["admin"])

    newcomer = Browser(world.app.test_client())
    name = f"mallory{uuid.uuid4().hex[:6]}"
    page = newcomer.get("/register")
    fields = {"username": name, "password": PASSWORD, "confirm": PASSWORD, **forged}
    assert newcomer.submit(page, "/register", fields).status_code == 302
    db.session.remove()
    user = db.session.scalar(select(User).where(User.username == name))
    assert (user.role, user.is_guest) == ("student", False)
    newcomer_id = user.id
    db.session.rollback()

    page = newcomer.get("/account/password")
    new = "a different long phrase"
    response = newcomer.submit(
        page,
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new, **forged},
    )
    assert response.status_code == 302
    assert _user(world, newcomer_id)[:3] == (name, "student", False)
    assert newcomer.fetch("/admin/users").status_code == 403
    assert newcomer.fetch("/teach/").status_code == 403

    # An answer posted with another user's ids lands in the poster's own attempt, nowhere else.
    owner_slots = _slots(world.ids["open"])
    attempt_id, page = newcomer.start("practice")
    fields = {**page.fields_for("single_choice", "right 0"), **forged, "attempt_id": str(world.ids["open"])}
    assert newcomer.submit(page, "/attempts/", fields, go="check").status_code == 302
    assert _slots(world.ids["open"]) == owner_slots
    assert _slots(attempt_id)[0][1] == 1.0  # the newcomer's first answer, right
    assert _user(world, world.user_ids["admin"]) == admin_before


def _slots(attempt_id: int) -> list[tuple]:
    db.session.remove()
    rows = db.session.execute(
        select(Slot.position, Slot.fraction, Slot.sequence, Slot.flagged)
        .where(Slot.attempt_id == attempt_id)
        .order_by(Slot.position)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("role", ["student", "other", "teacher", "guest"])
def test_only_an_admin_changes_roles(world: World, role: str):
    browser = world.client(role)
    token = csrf_token(browser)
    for target in ("student", "other", role if role != "guest" else "student"):
        before = _user(world, world.user_ids[target])
        response = browser.post(
            f"/admin/users/{world.user_ids[target]}/role", {"role": "admin", "csrf_token": token}
        )
        assert outcome(response) == (SIGN_IN if role == "guest" else 403), (role, target)
        assert _user(world, world.user_ids[target]) == before
