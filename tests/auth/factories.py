"""Factories for identities. Passwords are hashed once per session (Argon2 is slow on purpose)."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.hashers import make_password
from factory.declarations import LazyAttribute, LazyFunction, Sequence
from factory.django import DjangoModelFactory

from apps.auth.models import User

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    username = Sequence(lambda n: f"user_{n}")
    email = LazyAttribute(lambda user: f"{user.username}@example.com")
    password = LazyFunction(password_hash)


def user_create(**fields: object) -> User:
    """A saved user; the password is `PASSWORD` unless given as a hash."""
    user: User = UserFactory.create(**fields)
    return user
