"""The auth service's rules: registering, logging in, rotating and revoking tokens."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.auth.models import RefreshSession, User
from apps.auth.services import (
    InvalidCredentialsError,
    token_refresh,
    user_login,
    user_logout,
    user_register,
)
from socialapp.authn.viewer import verify_access_token
from socialapp.errors import ConflictError, InvalidInputError, NotAuthenticatedError, RateLimitedError
from socialapp.eventing.testing import capture_events
from tests.auth.factories import PASSWORD, user_create
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

ADDRESS = "203.0.113.7"


def test_registering_stores_an_argon2_hash_and_publishes_user_registered() -> None:
    with capture_events() as events:
        tokens = user_register(
            username="  Alice_1 ", email="Alice@Example.COM", password=PASSWORD, client_address=ADDRESS
        )

    user = tokens.user
    stored = User.objects.get()
    assert (stored.username, stored.email) == ("Alice_1", "Alice@example.com")  # domain part lower-cased
    assert (stored.username_key, stored.email_key) == ("alice_1", "alice@example.com")
    assert stored.password.startswith("argon2$argon2id$")
    assert stored.check_password(PASSWORD)
    assert verify_access_token(tokens.access).user_id == user.id
    assert [(e.type, e.source, e.subject, e.data) for e in events] == [
        ("user.registered", "auth", str(user.id), {"user_id": str(user.id), "username": "Alice_1"}),
        ("user.logged_in", "auth", str(user.id), {"user_id": str(user.id)}),
    ]


@pytest.mark.parametrize(
    ("username", "email", "field", "code"),
    [
        ("ALICE", "new@example.com", "username", "username_taken"),
        ("alice", "new@example.com", "username", "username_taken"),
        ("newname", "ALICE@EXAMPLE.COM", "email", "email_taken"),
        ("ab", "new@example.com", "username", "invalid_username"),
        ("a" * 31, "new@example.com", "username", "invalid_username"),
        ("bad name", "new@example.com", "username", "invalid_username"),
        ("bad-name", "new@example.com", "username", "invalid_username"),
        ("ålice", "new@example.com", "username", "invalid_username"),
        ("newname", "not-an-email", "email", "invalid_email"),
        ("newname", "a@b", "email", "invalid_email"),
        ("newname", "x" * 300 + "@example.com", "email", "invalid_email"),
        ("\uff21\uff2c\uff29\uff23\uff25", "new@example.com", "username", "username_taken"),  # full-width ALICE
    ],
)
def test_registering_refuses_taken_or_malformed_names_and_writes_nothing(
    username: str, email: str, field: str, code: str
) -> None:
    user_create(username="Alice", email="alice@example.com")

    with capture_events() as events, pytest.raises((ConflictError, InvalidInputError)) as refused:
        user_register(username=username, email=email, password=PASSWORD, client_address=ADDRESS)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert User.objects.count() == 1
    assert events == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short1!", "too short"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
        ("carol_the_great", "too similar"),
        ("x" * 257, "at most 256"),
    ],
)
def test_registering_refuses_weak_passwords(password: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        user_register(username="carol_the_great", email="carol@example.com", password=password, client_address=ADDRESS)

    assert refused.value.field == "password"
    assert fragment in refused.value.message
    assert not User.objects.exists()


@pytest.mark.parametrize("login", ["bob", "BOB", "bob@example.com", "Bob@Example.com", "  bob  "])
def test_logging_in_by_username_or_email_in_any_case_issues_tokens(login: str) -> None:
    user = user_create(username="bob", email="bob@example.com")

    with capture_events() as events:
        tokens = user_login(login=login, password=PASSWORD, client_address=ADDRESS)

    viewer = verify_access_token(tokens.access)
    assert (viewer.user_id, viewer.username) == (user.id, "bob")
    assert [e.type for e in events] == ["user.logged_in"]
    assert RefreshSession.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(("login", "password"), [("bob", "wrong password!"), ("nobody", PASSWORD), ("bob", "")])
def test_wrong_credentials_get_one_answer_whatever_was_wrong(login: str, password: str) -> None:
    user_create(username="bob")

    with pytest.raises((InvalidCredentialsError, InvalidInputError)) as refused:
        user_login(login=login, password=password, client_address=ADDRESS)

    assert refused.value.code in {"invalid_credentials", "required"}
    if refused.value.code == "invalid_credentials":
        assert refused.value.message == "Wrong username, email or password."
    assert not RefreshSession.objects.exists()


def test_an_inactive_account_cannot_log_in() -> None:
    user_create(username="gone", is_active=False)
    with pytest.raises(InvalidCredentialsError):
        user_login(login="gone", password=PASSWORD, client_address=ADDRESS)


def test_too_many_failures_lock_the_account_for_the_window_even_with_the_right_password(
    settings: SettingsWrapper,
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    user_create(username="bob")
    for _ in range(3):
        with pytest.raises(InvalidCredentialsError):
            user_login(login="bob", password="wrong password!", client_address=ADDRESS)

    with pytest.raises(RateLimitedError) as limited:
        user_login(login="BOB", password=PASSWORD, client_address="198.51.100.1")

    assert limited.value.code == "rate_limited"
    assert 0 < limited.value.details["retry_after"] <= settings.LOGIN_THROTTLE_WINDOW_SECONDS
    assert f"try again in {limited.value.details['retry_after']} seconds" in limited.value.message


def test_too_many_attempts_from_one_address_are_refused(settings: SettingsWrapper) -> None:
    settings.LOGIN_MAX_ATTEMPTS_PER_ADDRESS = 2
    user_create(username="bob")
    user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    user_login(login="bob", password=PASSWORD, client_address=ADDRESS)

    with pytest.raises(RateLimitedError):
        user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    assert user_login(login="bob", password=PASSWORD, client_address="198.51.100.1").access


def test_a_successful_login_clears_the_accounts_failures(settings: SettingsWrapper) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    user_create(username="bob")
    with pytest.raises(InvalidCredentialsError):
        user_login(login="bob", password="wrong password!", client_address=ADDRESS)
    user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    with pytest.raises(InvalidCredentialsError):
        user_login(login="bob", password="wrong password!", client_address=ADDRESS)

    assert user_login(login="bob", password=PASSWORD, client_address=ADDRESS).access


def test_refreshing_rotates_and_a_reused_refresh_token_revokes_the_whole_login() -> None:
    user_create(username="bob")
    first = user_login(login="bob", password=PASSWORD, client_address=ADDRESS)

    second = token_refresh(refresh=first.refresh)
    assert verify_access_token(second.access).username == "bob"
    assert second.refresh != first.refresh

    with pytest.raises(NotAuthenticatedError) as reused:
        token_refresh(refresh=first.refresh)
    assert reused.value.code == "refresh_token_reused"
    with pytest.raises(NotAuthenticatedError) as revoked:
        token_refresh(refresh=second.refresh)  # the thief's or the owner's: both are out
    assert revoked.value.code == "token_revoked"


def test_other_logins_survive_a_reuse_in_one_of_them() -> None:
    user_create(username="bob")
    phone = user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    laptop = user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    token_refresh(refresh=phone.refresh)
    with pytest.raises(NotAuthenticatedError):
        token_refresh(refresh=phone.refresh)

    assert token_refresh(refresh=laptop.refresh).access


@pytest.mark.parametrize("refresh", ["", "garbage", "a.b.c"])
def test_a_malformed_refresh_token_is_refused(refresh: str) -> None:
    with pytest.raises(NotAuthenticatedError) as refused:
        token_refresh(refresh=refresh)
    assert refused.value.code == "token_invalid"


def test_an_access_token_is_not_a_refresh_token() -> None:
    user_create(username="bob")
    tokens = user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    with pytest.raises(NotAuthenticatedError) as refused:
        token_refresh(refresh=tokens.access)
    assert refused.value.code == "token_invalid"


def test_logging_out_revokes_the_access_token_and_the_logins_refresh_tokens() -> None:
    user = user_create(username="bob")
    tokens = user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    viewer = verify_access_token(tokens.access)

    with capture_events() as events:
        user_logout(viewer=viewer, refresh=tokens.refresh)

    assert [(e.type, e.data) for e in events] == [("user.logged_out", {"user_id": str(user.id)})]
    with pytest.raises(NotAuthenticatedError) as access_refused:
        verify_access_token(tokens.access)
    assert access_refused.value.code == "token_revoked"
    with pytest.raises(NotAuthenticatedError) as refresh_refused:
        token_refresh(refresh=tokens.refresh)
    assert refresh_refused.value.code == "token_revoked"


def test_logging_out_with_someone_elses_refresh_token_is_refused() -> None:
    user_create(username="bob")
    user_create(username="eve")
    bob = user_login(login="bob", password=PASSWORD, client_address=ADDRESS)
    eve = user_login(login="eve", password=PASSWORD, client_address=ADDRESS)

    with pytest.raises(InvalidInputError):
        user_logout(viewer=verify_access_token(eve.access), refresh=bob.refresh)
    assert token_refresh(refresh=bob.refresh).access


# A long s, capitals, full-width letters, spaces around.
@pytest.mark.parametrize("variant", ["\u017fis_x", "SIS_X", "\uff53\uff49\uff53_\uff58", " Sis_X "])
def test_every_spelling_of_a_name_shares_its_accounts_failure_budget(variant: str, settings: SettingsWrapper) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    user_create(username="sis_x", email="sis@example.com")
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            user_login(login="sis_x", password="wrong password!", client_address=ADDRESS)

    with pytest.raises(RateLimitedError):  # locked, whatever the spelling, even with the right password
        user_login(login=variant, password=PASSWORD, client_address=ADDRESS)


def test_a_name_the_database_would_fold_but_the_key_does_not_reaches_no_account() -> None:
    user_create(username="sis_x", email="sis@example.com")

    with pytest.raises(InvalidCredentialsError):  # a dotless i: PostgreSQL's UPPER folds it to I
        user_login(login="s\u0131s_x", password=PASSWORD, client_address=ADDRESS)


def test_registrations_from_one_address_are_throttled_before_anything_is_written(settings: SettingsWrapper) -> None:
    settings.REGISTRATIONS_PER_ADDRESS = 2
    for n in range(2):
        user_register(username=f"ok_{n}", email=f"ok{n}@example.com", password=PASSWORD, client_address=ADDRESS)

    with capture_events() as events, pytest.raises(RateLimitedError) as limited:
        user_register(username="third", email="third@example.com", password=PASSWORD, client_address=ADDRESS)

    assert limited.value.details["retry_after"] > 0
    assert not User.objects.filter(username="third").exists()
    assert events == []
    other = user_register(username="elsewhere", email="e@example.com", password=PASSWORD, client_address="198.51.100.1")
    assert other.user.username == "elsewhere"
