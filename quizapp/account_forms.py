"""Forms for registering, signing in and managing an account; the rules live in the services."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from .days import offered_zone_names, zone_names, zone_problem
from .models import ROLES
from .passwords import MAX_LENGTH, password_problem
from .services.accounts import RESERVED_RULE, reserved_username, username_problem


def _username_rule(form: Any, field: Any) -> None:
    if field.data and (problem := username_problem(field.data)):
        raise ValidationError(problem)
    if field.data and reserved_username(field.data):
        raise ValidationError(RESERVED_RULE)


def _password_rule(username_field: str | None = None) -> Any:
    def check(form: Any, field: Any) -> None:
        username = form[username_field].data if username_field else None
        if field.data and (problem := password_problem(field.data, username)):
            raise ValidationError(problem)

    return check


class RegisterForm(FlaskForm):
    username = StringField(
        "Username", validators=[InputRequired("Choose a username."), Length(max=80), _username_rule]
    )
    email = EmailField(
        "Email (optional)",
        validators=[Optional(), Length(max=254), Email("Enter an email address such as name@example.org.")],
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Choose a password."), _password_rule("username")]
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[InputRequired("Type the password again."), EqualTo("password", "The passwords differ.")],
    )
    next = HiddenField()


class SignInForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            InputRequired("Enter your username."),
            Length(max=80, message="No username is longer than 40 characters: check what you typed."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password."),
            Length(max=MAX_LENGTH, message=f"No password is longer than {MAX_LENGTH} characters."),
        ],
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password", validators=[InputRequired("Choose a new password."), _password_rule()]
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            InputRequired("Type the new password again."),
            EqualTo("new_password", "The passwords differ."),
        ],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[InputRequired("Enter your password to confirm.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(ROLES))


class TimeZoneForm(FlaskForm):
    """Where the user's days begin: an IANA zone from the machine's list."""

    time_zone = SelectField("Time zone", validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = list(offered_zone_names())
        if self.time_zone.data in zone_names() and self.time_zone.data not in names:
            names.append(self.time_zone.data)  # a legacy name the user has keeps its place
        self.time_zone.choices = [(name, name.replace("_", " ")) for name in sorted(names)]

    def validate_time_zone(self, field: Any) -> None:
        if problem := zone_problem(field.data or ""):
            raise ValidationError(problem)
