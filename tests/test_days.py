"""Days on the user's calendar: numbering, where they begin, and the account's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quizapp.days import day_number, day_start, offered_zone_names, zone, zone_names, zone_problem
from quizapp.extensions import db
from quizapp.models import User, utcnow
from quizapp.review_models import ReviewCard, StudyDay
from quizapp.services.progress import due_counts

from .test_accounts import register
from .test_taking import RIGHT, Browser, Page, loaded  # noqa: F401  (loaded is a fixture)

JAN_2 = (datetime(2026, 1, 2) - datetime(1970, 1, 1)).days


@pytest.mark.parametrize(
    ("moment", "zone_name", "day"),
    [
        (datetime(2026, 1, 2, 0, 30, tzinfo=UTC), None, JAN_2),
        (datetime(2026, 1, 2, 0, 30), None, JAN_2),  # naive times are UTC
        (datetime(2026, 1, 2, 0, 30, tzinfo=UTC), "America/New_York", JAN_2 - 1),  # 19:30 on 1 January
        (datetime(2026, 1, 1, 15, 30, tzinfo=UTC), "Asia/Tokyo", JAN_2),  # 00:30 on 2 January
        (datetime(2026, 1, 1, 23, 30, tzinfo=UTC), "Europe/Paris", JAN_2),
        (datetime(2026, 1, 1, 23, 30, tzinfo=UTC), "No/Such_Zone", JAN_2 - 1),  # unknown: UTC
    ],
)
def test_a_moment_falls_on_the_day_of_its_zones_calendar(moment, zone_name, day):
    assert day_number(moment, zone_name) == day


def test_a_day_begins_at_local_midnight_in_summer_and_winter_time():
    assert day_start(JAN_2) == datetime(2026, 1, 2, tzinfo=UTC)
    assert day_start(JAN_2, "Europe/Paris") == datetime(2026, 1, 1, 23, tzinfo=UTC)  # UTC+1 in winter
    july_1 = JAN_2 + 180
    assert day_start(july_1, "Europe/Paris") == datetime(2026, 6, 30, 22, tzinfo=UTC)  # UTC+2 in summer
    assert day_start(JAN_2, "Pacific/Kiritimati") == datetime(2026, 1, 1, 10, tzinfo=UTC)  # UTC+14
    for zone_name in ("Europe/Paris", "America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu"):
        for day in range(JAN_2, JAN_2 + 366, 7):  # every day's start is on that day, through DST changes
            assert day_number(day_start(day, zone_name), zone_name) == day
            assert day_number(day_start(day, zone_name) - timedelta(seconds=1), zone_name) == day - 1


def test_the_zone_list_holds_the_usual_names_and_refuses_others():
    names = zone_names()
    assert {"UTC", "Europe/Paris", "Asia/Tokyo", "America/Sao_Paulo"} <= set(names)
    assert list(names) == sorted(names)
    assert zone_problem("Europe/Paris") is None
    for bad in ("", "Europe/Atlantis", "../etc/passwd", "local"):
        assert zone_problem(bad) == "Choose a time zone from the list."
    assert zone(None) is UTC and zone("Mars/Olympus") is UTC


def test_the_zones_offered_are_places_and_legacy_names_stay_valid():
    offered = set(offered_zone_names())
    assert {"UTC", "Europe/Paris", "Asia/Tokyo", "America/Sao_Paulo", "Pacific/Kiritimati"} <= offered
    assert offered.isdisjoint({"localtime", "Factory", "US/Eastern", "Etc/GMT+12", "GB", "posixrules"})
    assert zone_problem("US/Eastern") is None  # a user who has one keeps it


def _zone_now_on_another_day() -> str:
    """A zone whose date differs from UTC's right now (Kiritimati is UTC+14, Etc/GMT+12 is UTC-12)."""
    return "Pacific/Kiritimati" if utcnow().hour >= 10 else "Etc/GMT+12"


def test_an_account_chooses_its_time_zone_and_its_days_follow_it(app, client, loaded):  # noqa: F811
    browser = Browser(client)
    assert register(browser, "tess").status_code == 302
    account = browser.get("/account")
    assert 'id="zone-heading">Your days<' in account.html
    assert '<option selected value="UTC">UTC</option>' in account.html
    assert '<option value="America/Sao_Paulo">America/Sao Paulo</option>' in account.html

    refused = Page(browser.submit(account, "/account/time-zone", {"time_zone": "Europe/Atlantis"}))
    assert refused.status == 422
    assert "Choose a time zone from the list." in refused.text and "<title>Error: " in refused.html
    zone_name = _zone_now_on_another_day()
    saved = browser.submit(account, "/account/time-zone", {"time_zone": zone_name})
    assert saved.status_code == 302
    page = browser.follow(saved)
    assert f"Your days now begin at midnight in {zone_name}." in page.text
    assert f'<option selected value="{zone_name}">' in page.html
    assert '<option value="localtime">' not in page.html
    legacy = browser.follow(browser.submit(page, "/account/time-zone", {"time_zone": "US/Eastern"}))
    # offered while it is theirs
    assert '<option selected value="US/Eastern">US/Eastern</option>' in legacy.html
    saved = browser.submit(legacy, "/account/time-zone", {"time_zone": zone_name})
    user_id = db.session.scalar(select(User.id).where(User.username == "tess"))
    db.session.rollback()

    attempt_id, _ = browser.start("practice")
    browser.answer(attempt_id, 1, "single_choice", RIGHT["q1"])
    days = list(db.session.scalars(select(StudyDay.day).where(StudyDay.user_id == user_id)))
    db.session.rollback()
    now = utcnow()
    assert days == [day_number(now, zone_name)] and days != [day_number(now)]

    progress = browser.get("/progress")
    assert "1 day studied in a row" in progress.text and "keep it going" not in progress.text
    link = '<a href="/account#zone-heading">change your time zone</a>'
    assert f"Days begin at midnight in {zone_name} ({link})." in progress.html

    back = browser.submit(browser.get("/account"), "/account/time-zone", {"time_zone": "UTC"})
    assert back.status_code == 302
    assert db.session.scalar(select(User.time_zone).where(User.id == user_id)) is None  # UTC is the default
    db.session.rollback()


def test_reviews_due_today_end_at_the_users_midnight(app, client, loaded):  # noqa: F811
    browser = Browser(client)
    assert register(browser, "uma").status_code == 302
    attempt_id, _ = browser.start("practice")
    browser.answer(attempt_id, 1, "single_choice", RIGHT["q1"])
    user_id = db.session.scalar(select(User.id).where(User.username == "uma"))
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)  # midnight in Tokyo (UTC+9) is 15:00 UTC
    card = db.session.scalars(select(ReviewCard).where(ReviewCard.user_id == user_id)).one()
    card.due = datetime(2026, 1, 1, 18, tzinfo=UTC)  # today in UTC, tomorrow in Tokyo
    db.session.commit()
    assert due_counts(db.session, user_id, now).today == 1
    assert due_counts(db.session, user_id, now, zone_name="Asia/Tokyo").today == 0
    assert due_counts(db.session, user_id, now, zone_name="Asia/Tokyo").week == 1
    db.session.rollback()
