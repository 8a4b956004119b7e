"""The signed-in user's own account: see it, change the password, delete it with its data."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .account_forms import ChangePasswordForm, DeleteAccountForm
from .extensions import db
from .passwords import verify_password
from .permissions import is_signed_in, requires
from .services import personal_data
from .services.accounts import AccountError, change_password
from .takers import end_session, remembered, signed_in_account, start_session

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
@requires(is_signed_in)
def index() -> str:
    return render_template("account/index.html", user=current_user)


@bp.route("/password", methods=["GET", "POST"])
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
        return render_template("account/password.html", form=form), 422
    db.session.commit()
    # Every other session is over (a new session token); this one goes on, on a new session.
    start_session(user, remember=remembered())
    flash("Your password is changed. Other browsers signed in to this account are signed out.", "info")
    return redirect(url_for("account.index"))


@bp.route("/delete", methods=["GET", "POST"])
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
        return render_template("account/delete.html", form=form, holdings=holdings), 422
    name = user.username
    personal_data.delete_user(db.session, user.id)
    db.session.commit()
    end_session()
    flash(f"The account {name} and all its data are deleted.", "info")
    return redirect(url_for("home.index"))
