"""The signed-in user's own account: see it, change the password, delete it with its data.

Wrong passwords on these pages are limited per account as failed sign-ins are (quizapp/auth.py):
a session left open on a shared computer must not let anyone guess its password at will.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .account_forms import ChangePasswordForm, DeleteAccountForm, TimeZoneForm
from .extensions import db, limiter
from .passwords import verify_password
from .permissions import is_signed_in, requires
from .services import personal_data
from .services.accounts import AccountError, change_password, only_admin
from .takers import (
    current_time_zone,
    current_user_id,
    end_session,
    remembered,
    signed_in_account,
    start_session,
)

bp = Blueprint("account", __name__, url_prefix="/account")

limit_password_checks = limiter.shared_limit(  # one count for both pages that check a password
    lambda: current_app.config["QUIZAPP_SIGN_IN_LIMIT_ACCOUNT"],
    scope="password-check",
    key_func=lambda: f"password-check:{current_user_id()}",
    methods=["POST"],
    deduct_when=lambda _response: bool(g.get("wrong_password")),
)


def _wrong_password() -> None:
    g.wrong_password = True
    # The limiter records the failure on a connection of its own after the view: on SQLite an
    # open read transaction here would hold the write lock it needs.
    db.session.rollback()


@bp.get("")
@requires(is_signed_in)
def index() -> str:
    form = TimeZoneForm(time_zone=current_time_zone() or "UTC")
    return render_template("account/index.html", user=current_user, zone_form=form)


@bp.post("/time-zone")
@requires(is_signed_in)
def time_zone() -> Response | tuple[str, int]:
    form = TimeZoneForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, description="The form's security token is missing or has expired.")
        return render_template("account/index.html", user=current_user, zone_form=form), 422
    user = signed_in_account()
    user.time_zone = None if form.time_zone.data == "UTC" else form.time_zone.data
    db.session.commit()
    flash(f"Your days now begin at midnight in {form.time_zone.data.replace('_', ' ')}.", "info")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["GET", "POST"])
@limit_password_checks
@requires(is_signed_in)
def password() -> Response | str | tuple[str, int]:
    form = ChangePasswordForm()
    if request.method == "GET":
        return render_template("account/password.html", form=form)
    if not form.validate_on_submit():
        return render_template("account/password.html", form=form), 422
    user = signed_in_account()
    try:
        change_password(db.session, user, form.current_password.data, form.new_password.data)
    except AccountError as error:
        db.session.rollback()
        form[error.field].errors.append(error.message)
        page = render_template("account/password.html", form=form)
        if error.field == "current_password":
            _wrong_password()
        return page, 422
    db.session.commit()
    # Every other session is over (a new session token); this one goes on, on a new session.
    start_session(user, remember=remembered())
    flash("Your password is changed. Other browsers signed in to this account are signed out.", "info")
    return redirect(url_for("account.index"))


@bp.route("/delete", methods=["GET", "POST"])
@limit_password_checks
@requires(is_signed_in)
def delete() -> Response | str | tuple[str, int]:
    form = DeleteAccountForm()
    user = signed_in_account()
    holdings = personal_data.summary(db.session, user.id)
    if request.method == "GET":
        return render_template("account/delete.html", form=form, holdings=holdings)
    if not form.validate_on_submit():
        return render_template("account/delete.html", form=form, holdings=holdings), 422
    if not verify_password(user.password_hash, form.password.data):
        form.password.errors.append("This is not your password; nothing was deleted.")
        page = render_template("account/delete.html", form=form, holdings=holdings)
        _wrong_password()
        return page, 422
    if only_admin(db.session, user):
        form.password.errors.append("You are the only admin: make another admin first; nothing was deleted.")
        return render_template("account/delete.html", form=form, holdings=holdings), 422
    name = user.username
    personal_data.delete_user(db.session, user.id)
    db.session.commit()
    end_session()
    flash(f"The account {name} and all its data are deleted.", "info")
    return redirect(url_for("home.index"))
