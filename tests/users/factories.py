"""Profiles and follow edges for tests, written straight to the users database (no events)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import F
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory

from apps.users.models import Follow, Profile


class ProfileFactory(DjangoModelFactory[Profile]):
    class Meta:
        model = Profile

    user_id = LazyFunction(uuid.uuid4)
    username = Sequence(lambda n: f"user_{n}")
    display_name = LazyAttribute(lambda profile: profile.username)


class FollowFactory(DjangoModelFactory[Follow]):
    """An edge, with both profiles' counts kept right (as the service keeps them)."""

    class Meta:
        model = Follow

    follower = SubFactory(ProfileFactory)
    followee = SubFactory(ProfileFactory)

    @classmethod
    def _create(cls, model_class: type[Follow], *args: Any, **kwargs: Any) -> Follow:
        follow: Follow = super()._create(model_class, *args, **kwargs)
        Profile.objects.filter(pk=follow.follower_id).update(following_count=F("following_count") + 1)
        Profile.objects.filter(pk=follow.followee_id).update(followers_count=F("followers_count") + 1)
        return follow


def make_profile(**fields: object) -> Profile:
    """A saved profile (username `user_<n>` and display name = username unless given)."""
    profile: Profile = ProfileFactory.create(**fields)
    return profile


def make_follow(**fields: object) -> Follow:
    """A saved edge between two new profiles unless `follower` / `followee` are given."""
    follow: Follow = FollowFactory.create(**fields)
    return follow
