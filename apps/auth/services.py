"""Writes of the auth service: registering, logging in and out, rotating refresh tokens."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from apps.auth.contracts import UserLoggedIn, UserLoggedOut, UserRegistered
from apps.auth.identifiers import identifier_key, normalised_username
from apps.auth.models import RefreshSession, User
from apps.auth.models.user import USERNAME_PATTERN, USERNAME_RULES
from apps.auth.throttle import (
    check_login_allowed,
    check_registration_allowed,
    clear_login_failures,
    record_login_failure,
)
from socialapp.authn.revocation import revoke_access_token
from socialapp.authn.tokens import SignedRefreshToken
from socialapp.authn.viewer import Viewer
from socialapp.db import atomic_for
from socialapp.errors import ConflictError, InvalidInputError, NotAuthenticatedError
from socialapp.eventing import publish

MAX_PASSWORD_LENGTH = 256  # Argon2 hashes anything, but an unbounded input is a denial of service
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit, and the column's
MAX_LOGIN_KEY_LENGTH = 762  # no stored key is longer: a longer login matches nothing
_DUMMY_PASSWORD_HASH = make_password("timing-equaliser-for-unknown-accounts")


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    user: User


class InvalidCredentialsError(NotAuthenticatedError):
    code = "invalid_credentials"


# --- registering --------------------------------------------------------------------------
def check_username(username: str) -> str:
    username = normalised_username(username)
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise InvalidInputError(f"A username is {USERNAME_RULES}.", field="username", code="invalid_username")
    if User.objects.filter(username_key=identifier_key(username)).exists():
        raise ConflictError("This username is taken.", field="username", code="username_taken")
    return username


def check_email(email: str) -> str:
    email = User.objects.normalize_email(email.strip())
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInputError(
            f"An email address is at most {MAX_EMAIL_LENGTH} characters.", field="email", code="invalid_email"
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInputError("Enter a valid email address.", field="email", code="invalid_email") from None
    if User.objects.filter(email_key=identifier_key(email)).exists():
        raise ConflictError("An account already uses this email address.", field="email", code="email_taken")
    return email


def check_password(password: str, *, user: User) -> None:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"A password is at most {MAX_PASSWORD_LENGTH} characters.", field="password", code="password_too_long"
        )
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidInputError(" ".join(error.messages), field="password", code="password_too_weak") from None


def user_register(*, username: str, email: str, password: str, client_address: str) -> TokenPair:
    """Create an account and log it in (its first tokens). Throttled per address before anything
    is checked or written: a refused registration creates nothing."""
    check_registration_allowed(address=client_address)
    username = check_username(username)
    email = check_email(email)
    user = User(username=username, email=email)
    check_password(password, user=user)
    user.set_password(password)
    try:
        with atomic_for(User):
            user.save(force_insert=True)
            tokens = _issue_tokens(user, family_id=uuid.uuid4())
            publish(UserRegistered(user_id=user.id, username=user.username))
            publish(UserLoggedIn(user_id=user.id))
    except IntegrityError:
        # Lost a race with another registration between the checks and the insert.
        raise ConflictError("This username or email is taken.", field="username", code="username_taken") from None
    return tokens


# --- tokens -------------------------------------------------------------------------------
def _issue_tokens(user: User, *, family_id: uuid.UUID) -> TokenPair:
    refresh = SignedRefreshToken.for_user(user)
    refresh["username"] = user.username
    access = refresh.access_token
    RefreshSession.objects.create(
        jti=str(refresh["jti"]),
        family_id=family_id,
        user=user,
        expires_at=datetime.fromtimestamp(int(refresh["exp"]), tz=UTC),
    )
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        access_expires_at=datetime.fromtimestamp(int(access["exp"]), tz=UTC),
        refresh_expires_at=datetime.fromtimestamp(int(refresh["exp"]), tz=UTC),
        user=user,
    )


def user_login(*, login: str, password: str, client_address: str) -> TokenPair:
    """Log in with a username or an email address. Throttled per account and per address."""
    login = identifier_key(login)
    if not login or not password:
        raise InvalidInputError("Enter your username or email and your password.", field="login", code="required")
    if len(login) > MAX_LOGIN_KEY_LENGTH:
        raise InvalidCredentialsError("Wrong username, email or password.", field="password")
    check_login_allowed(login=login, address=client_address)
    user = User.objects.filter(Q(username_key=login) | Q(email_key=login)).first()
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        # Spend the same time as a real check so timing does not reveal which accounts exist.
        User(password=_DUMMY_PASSWORD_HASH).check_password(password[:MAX_PASSWORD_LENGTH])
        valid = False
    else:
        valid = user.is_active and user.check_password(password)  # upgrades older hashes
    if not valid or user is None:
        record_login_failure(login=login)
        raise InvalidCredentialsError("Wrong username, email or password.", field="password")
    clear_login_failures(login=login)
    with atomic_for(User):
        tokens = _issue_tokens(user, family_id=uuid.uuid4())
        publish(UserLoggedIn(user_id=user.id))
    return tokens


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token: the old one is spent; spending it twice revokes its whole family."""
    try:
        token = SignedRefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as error:
        raise NotAuthenticatedError(
            f"The refresh token is not valid: {error}", field="refreshToken", code="token_invalid"
        ) from None
    now = timezone.now()
    with atomic_for(User):
        session = (
            RefreshSession.objects.select_for_update().select_related("user").filter(jti=str(token["jti"])).first()
        )
        if session is None or session.revoked_at is not None or not session.user.is_active:
            raise NotAuthenticatedError(
                "The refresh token has been revoked.", field="refreshToken", code="token_revoked"
            )
        if session.used_at is not None:
            RefreshSession.objects.filter(family_id=session.family_id, revoked_at__isnull=True).update(revoked_at=now)
            reused = True
        else:
            session.used_at = now
            session.save(update_fields=["used_at"])
            reused = False
            tokens = _issue_tokens(session.user, family_id=session.family_id)
    if reused:
        # Raised after the commit, so the family's revocation sticks.
        raise NotAuthenticatedError(
            "This refresh token was already used; every session from that login is now revoked.",
            field="refreshToken",
            code="refresh_token_reused",
        )
    return tokens


def user_logout(*, viewer: Viewer, refresh: str | None = None) -> None:
    """Revoke the access token now (token cache) and the login's refresh tokens."""
    with atomic_for(User):
        if refresh:
            try:
                token = SignedRefreshToken(refresh)  # type: ignore[arg-type]
            except TokenError:
                raise InvalidInputError(
                    "The refresh token is not valid.", field="refreshToken", code="token_invalid"
                ) from None
            if str(token["sub"]) != str(viewer.user_id):
                raise InvalidInputError(
                    "This refresh token is someone else's.", field="refreshToken", code="token_invalid"
                )
            session = RefreshSession.objects.filter(jti=str(token["jti"])).first()
            if session is not None:
                RefreshSession.objects.filter(family_id=session.family_id, revoked_at__isnull=True).update(
                    revoked_at=timezone.now()
                )
        publish(UserLoggedOut(user_id=viewer.user_id))
    revoke_access_token(viewer.jti, expires_at=viewer.expires_at)
