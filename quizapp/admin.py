"""Administration: the list of accounts, where an admin changes roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from .account_forms import RoleForm
from .extensions import db
from .models import ROLES, User
from .permissions import can_manage_users, requires
from .routing import MAX_ID
from .services.accounts import AccountError, set_role

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@bp.get("/users")
@requires(can_manage_users)
def users() -> str:
    # A page number past any offset the database takes would fail there (a 500): past the end it is.
    number = min(max(1, request.args.get("page", 1, type=int)), MAX_ID // PER_PAGE)
    page = db.paginate(
        select(User).where(User.is_guest.is_(False)).order_by(User.username),
        page=number,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("admin/users.html", page=page, roles=ROLES)


@bp.post("/users/<int:user_id>/role")
@requires(can_manage_users)
def change_role(user_id: int) -> Response:
    form = RoleForm()
    user = db.session.get(User, user_id)
    if user is None or user.is_guest:
        flash("There is no such account.", "error")
        return redirect(url_for("admin.users"))
    if not form.validate_on_submit():  # CSRFProtect has refused a missing token already (400)
        flash(f"Choose one of the roles: {', '.join(ROLES)}.", "error")
        return redirect(url_for("admin.users"))
    try:
        set_role(db.session, user, form.role.data)
    except AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(f"{user.username} is now {form.role.data}.", "info")
    return redirect(url_for("admin.users"))
