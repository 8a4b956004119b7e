"""Registering, signing in and out. Failed sign-ins are limited per account and per address,
except from browsers that have signed in to the account before (quizapp/devices.py).

The limits count failures only (Flask-Limiter's `deduct_when`), in the storage that
`RATELIMIT_STORAGE_URI` names (by default the app's database, shared by every worker and
server: quizapp/rate_limits.py). Once a limit is reached, sign-ins to that account, or from
that address, are refused with 429 until its window ends; nothing is locked for good.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from .account_forms import RegisterForm, SignInForm
from .devices import account_digest, known_device, remember_device
from .extensions import db, limiter
from .forms import ButtonForm
from .redirects import safe_next
from .services.accounts import AccountError, authenticate, end_sessions, register
from .services.personal_data import merge_users
from .takers import current_guest_id, end_session, signed_in_account, start_session
from .wording import counted

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """The account's counter; a browser that has signed in to it before has one of its own (see
    quizapp/devices.py), which others' failures never fill."""
    # A digest, so that whatever is typed as a username is never stored as a key.
    name = request.form.get("username", "")
    device = known_device(name)
    return "sign-in-account:" + account_digest(name) + (f":device:{device}" if device else "")


def _known_browser() -> bool:
    return known_device(request.form.get("username", "")) is not None


def _address_key() -> str:
    return f"sign-in-address:{request.remote_addr or 'unknown'}"


def _sign_in_failed(_response: Response) -> bool:
    return bool(g.get("sign_in_failed"))


def _configured(name: str) -> Any:
    return lambda: current_app.config[name]


def _after_sign_in(form: Any, user: Any) -> Response:
    response = redirect(safe_next(form.next.data) or url_for("home.index"))
    remember_device(response, user)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    _configured("QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"),
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
)
@limiter.limit(
    _configured("QUIZAPP_SIGN_IN_LIMIT_ADDRESS"),
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    exempt_when=_known_browser,  # a school's one address must not keep out its known browsers
)
def sign_in() -> Response | str | tuple[str, int]:
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/sign_in.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/sign_in.html", form=form), 422
    user = authenticate(db.session, form.username.data, form.password.data)
    if user is None:
        g.sign_in_failed = True
        form.password.errors.append("The username or password is wrong.")
        page = render_template("auth/sign_in.html", form=form)
        # End the read transaction now: the limiter records the failure on a connection of its
        # own after this view, and on SQLite an open transaction would hold the write lock.
        db.session.rollback()
        return page, 422
    guest_id = current_guest_id()
    if guest_id is not None:
        merge_users(db.session, guest_id, user.id)
    db.session.commit()
    start_session(user, remember=form.remember.data)
    flash(f"Signed in as {user.username}.", "info")
    return _after_sign_in(form, user)


@bp.route("/register", methods=["GET", "POST"])
def register_account() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:  # registering would silently switch accounts
        message = f"You are signed in as {current_user.username}. Sign out first to register another account."
        flash(message, "info")
        return redirect(url_for("account.index"))
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/register.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form), 422
    guest_id = current_guest_id()
    try:
        user = register(
            db.session,
            username=form.username.data,
            email=form.email.data,
            password=form.password.data,
            guest_id=guest_id,
        )
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        form[error.field].errors.append(error.message)
        return render_template("auth/register.html", form=form), 422
    except IntegrityError:  # taken by a registration at the same moment
        db.session.rollback()
        form.username.errors.append("This username or email address was just taken. Choose another.")
        return render_template("auth/register.html", form=form), 422
    start_session(user)
    kept = ", with everything you did as a guest" if guest_id is not None else ""
    flash(f"Welcome, {user.username}: your account is ready{kept}.", "info")
    return _after_sign_in(form, user)


@bp.post("/sign-out")
def sign_out() -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400, description="The form's security token is missing or has expired.")
    if current_user.is_authenticated:
        end_sessions(db.session, signed_in_account())
        db.session.commit()
        end_session()
        flash("You are signed out.", "info")
    return redirect(url_for("home.index"))


@bp.app_errorhandler(RateLimitExceeded)
def too_many_attempts(_error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
    limit = limiter.current_limit
    now = current_app.config["QUIZAPP_LIMIT_CLOCK"]()
    wait = max(1, math.ceil((limit.window.reset_time - now) / 60)) if limit else 15
    if request.blueprint == "account":
        title = "Too many wrong passwords"
        message = (
            "The password has been given wrongly too many times on this account's pages, so they "
            f"check no password for a while. Try again in {counted(wait, 'minute')}. Your account and "
            "its data are unchanged."
        )
    else:
        title = "Too many failed sign-ins"
        message = (
            "There have been too many failed sign-ins to this account or from your network, so signing "
            f"in is paused for a while. Try again in {counted(wait, 'minute')}. Nothing is "
            "locked for good, and your account and its data are unchanged."
        )
    page = render_template("errors/error.html", title=title, message=message)
    return page, 429, {"Retry-After": str(wait * 60)}
