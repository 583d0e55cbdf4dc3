"""Factories for identities. Passwords are hashed once per session (Argon2 is slow on purpose)."""

from __future__ import annotations

from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from apps.auth.models import User

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user_{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.LazyFunction(password_hash)
