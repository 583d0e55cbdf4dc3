"""The feed's GraphQL API over real HTTP (uvicorn), events flowing in-process in the server.

Profiles are made with the users service (its `user.profile_created` feeds the feed's author
projection) and follows go through the users API, as a client would. Each bad input gets a
typed error and writes nothing. The query-count test runs in-process to count queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.feed.models import Comment, Like, Post
from apps.feed.snapshots import uncache
from apps.users.models import Profile
from apps.users.services import profile_create
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_follow, make_post
from tests.live_server import LiveServer, live_server, live_wsgi_server
from tests.media.factories import make_media
from tests.recorded_events import recorded, recorded_types

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

PATH = "/graphql/feed/"

POST_FIELDS = """
  id content mediaIds hashtags status createdAt editedAt likeCount commentCount likedByMe
  author { id username displayName avatarMediaId }
  mentions { username userId }
"""

CREATE = f"""
mutation($content: String!, $mediaIds: [ID!]) {{
  createPost(content: $content, mediaIds: $mediaIds) {{ errors {{ field code message }} post {{ {POST_FIELDS} }} }}
}}"""
EDIT = f"""
mutation($postId: ID!, $content: String!) {{
  editPost(postId: $postId, content: $content) {{ errors {{ field code message }} post {{ {POST_FIELDS} }} }}
}}"""
DELETE = """
mutation($postId: ID!) { deletePost(postId: $postId) { errors { field code message } deletedPostId } }"""
LIKE = """
mutation($postId: ID!) { likePost(postId: $postId) { errors { field code message } post { likeCount likedByMe } } }"""
UNLIKE = """
mutation($postId: ID!) { unlikePost(postId: $postId) { errors { field code message } post { likeCount likedByMe } } }"""
COMMENT = """
mutation($postId: ID!, $content: String!) {
  addComment(postId: $postId, content: $content) {
    errors { field code message }
    comment { id postId content author { username } }
    post { commentCount }
  }
}"""
DELETE_COMMENT = """
mutation($commentId: ID!) {
  deleteComment(commentId: $commentId) { errors { field code message } deletedCommentId post { commentCount } }
}"""
HOME = f"""
query($first: Int, $after: String) {{
  homeFeed(first: $first, after: $after) {{
    edges {{ cursor node {{ {POST_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
USER_POSTS = """
query($userId: ID, $username: String, $first: Int, $after: String) {
  userPosts(userId: $userId, username: $username, first: $first, after: $after) {
    edges { node { id content } } pageInfo { hasNextPage endCursor }
  }
}"""
BY_TAG = """
query($tag: String!) { postsByHashtag(tag: $tag) { edges { node { id hashtags } } pageInfo { hasNextPage } } }"""
COMMENTS = """
query($postId: ID!, $first: Int, $after: String) {
  comments(postId: $postId, first: $first, after: $after) {
    edges { node { content author { username } } } pageInfo { hasNextPage endCursor }
  }
}"""
POST = f"query($id: ID!) {{ post(id: $id) {{ {POST_FIELDS} }} }}"
FOLLOW = "mutation($u: String!) { followUser(username: $u) { errors { code } } }"
UNFOLLOW = "mutation($u: String!) { unfollowUser(username: $u) { errors { code } } }"


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("feed")) as running:
        yield running


def user(username: str) -> Profile:
    """A profile made by the users service: the feed hears `user.profile_created` in-process."""
    return profile_create(user_id=uuid.uuid4(), username=username)


def gql(
    server: LiveServer, query: str, *, as_user: Profile | None = None, path: str = PATH, **variables: Any
) -> dict[str, Any]:
    headers = bearer(access_token_for(as_user.user_id, as_user.username)) if as_user is not None else {}
    with server.client() as client:
        response = client.post(path, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def follow(server: LiveServer, follower: Profile, followee: Profile) -> None:
    body = gql(server, FOLLOW, as_user=follower, path="/graphql/users/", u=followee.username)
    assert body["data"]["followUser"]["errors"] == []


def create(server: LiveServer, author: Profile, content: str, **variables: Any) -> dict[str, Any]:
    body = gql(server, CREATE, as_user=author, content=content, **variables)
    payload: dict[str, Any] = body["data"]["createPost"]
    return payload


def home(server: LiveServer, reader: Profile, **variables: Any) -> dict[str, Any]:
    body = gql(server, HOME, as_user=reader, **variables)
    assert "errors" not in body, body
    feed: dict[str, Any] = body["data"]["homeFeed"]
    return feed


def contents(feed: dict[str, Any]) -> list[str]:
    return [edge["node"]["content"] for edge in feed["edges"]]


def published() -> list[str]:
    return recorded_types(source="feed")


def error(field: str | None, code: str, message: str) -> list[dict[str, Any]]:
    return [{"field": field, "code": code, "message": message}]


def query_error(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [only] = body["errors"]
    return only["message"], only["extensions"]


# --- the home feed ---------------------------------------------------------------------------


def test_a_post_reaches_a_followers_home_feed(server: LiveServer) -> None:
    alice, bob = user("alice"), user("bob")
    follow(server, alice, bob)
    assert contents(home(server, alice)) == []  # alice reads: her timeline is built, she is active

    created = create(server, bob, "  Hello @alice, see #Django!  ")

    post = created["post"]
    assert created["errors"] == []
    assert (post["content"], post["status"], post["hashtags"]) == ("Hello @alice, see #Django!", "PENDING", ["django"])
    assert post["author"] == {"id": str(bob.user_id), "username": "bob", "displayName": "bob", "avatarMediaId": None}
    assert post["mentions"] == [{"username": "alice", "userId": str(alice.user_id)}]
    assert (post["likeCount"], post["commentCount"], post["likedByMe"], post["editedAt"]) == (0, 0, False, None)
    feed = home(server, alice)
    assert [edge["node"] for edge in feed["edges"]] == [{**post, "status": "PUBLISHED"}]
    assert feed["pageInfo"] == {"hasNextPage": False, "endCursor": feed["edges"][0]["cursor"]}
    assert contents(home(server, bob)) == ["Hello @alice, see #Django!"]  # the author's own feed too
    assert published() == ["post.created"]


def test_a_post_reaches_a_followers_home_feed_through_the_wsgi_deployment_shape(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    alice, bob = user("alice"), user("bob")
    with live_wsgi_server(tmp_path_factory.mktemp("feed-wsgi"), SOCIALAPP_SERVICES="auth,users,feed") as api:
        follow(api, alice, bob)
        home(api, alice)
        created = create(api, bob, "served by gunicorn's threads")
        gql(api, LIKE, as_user=alice, postId=created["post"]["id"])

        feed = home(api, alice)

    assert contents(feed) == ["served by gunicorn's threads"]
    node = feed["edges"][0]["node"]
    assert (node["status"], node["likeCount"], node["likedByMe"]) == ("PUBLISHED", 1, True)


def test_unfollowing_editing_and_deleting_show_in_the_home_feed(server: LiveServer) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    follow(server, alice, bob)
    follow(server, alice, carol)
    home(server, alice)
    by_bob = create(server, bob, "from bob")["post"]
    by_carol = create(server, carol, "from carol")["post"]
    assert contents(home(server, alice)) == ["from carol", "from bob"]

    edited = gql(server, EDIT, as_user=carol, postId=by_carol["id"], content="from carol, edited #later")
    assert edited["data"]["editPost"]["errors"] == []
    assert edited["data"]["editPost"]["post"]["editedAt"] is not None
    assert contents(home(server, alice)) == ["from carol, edited #later", "from bob"]

    gql(server, UNFOLLOW, as_user=alice, path="/graphql/users/", u="bob")
    assert contents(home(server, alice)) == ["from carol, edited #later"]

    deleted = gql(server, DELETE, as_user=carol, postId=by_carol["id"])
    assert deleted["data"]["deletePost"] == {"errors": [], "deletedPostId": by_carol["id"]}
    assert contents(home(server, alice)) == []
    assert contents(home(server, carol)) == []
    assert gql(server, POST, id=by_carol["id"]) == {"data": {"post": None}}
    assert gql(server, POST, id=by_bob["id"])["data"]["post"]["content"] == "from bob"
    assert published() == ["post.created", "post.created", "post.edited", "post.deleted"]


def test_home_feed_requests_share_the_servers_redis_connections(server: LiveServer) -> None:
    alice, bob = user("alice"), user("bob")
    follow(server, alice, bob)
    create(server, bob, "cached once, read many times")
    home(server, alice)  # the server's pools are open, the post is in the cache
    redis_server = redis.Redis.from_url(settings.REDIS_URL)
    connections_before = redis_server.info("stats")["total_connections_received"]

    for _ in range(30):
        assert contents(home(server, alice)) == ["cached once, read many times"]

    # Each request used to build its own cache backend and pool: a new connection per request
    # (30 here). The count is the Redis server's, so another client may add one or two.
    opened = redis_server.info("stats")["total_connections_received"] - connections_before
    assert opened <= 5


def test_a_cold_timeline_is_rebuilt_with_a_correct_first_page(server: LiveServer) -> None:
    alice, bob = user("alice"), user("bob")
    follow(server, alice, bob)
    home(server, alice)
    for n in range(5):
        create(server, bob, f"post {n}")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # Redis lost every timeline (and the post cache)

    first = home(server, alice, first=3)
    rest = home(server, alice, first=3, after=first["pageInfo"]["endCursor"])

    assert contents(first) == ["post 4", "post 3", "post 2"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert (contents(rest), rest["pageInfo"]["hasNextPage"]) == (["post 1", "post 0"], False)


def test_an_author_too_big_to_fan_out_is_merged_at_read_time(tmp_path_factory: pytest.TempPathFactory) -> None:
    star, alice, bob = user("star"), user("alice"), user("bob")
    with live_server(
        tmp_path_factory.mktemp("feed-hybrid"),
        DJANGO_SETTINGS_MODULE="tests.feed.live_settings",
        FEED_FANOUT_MAX_FOLLOWERS="1",
    ) as hybrid:
        follow(hybrid, alice, star)
        follow(hybrid, bob, star)  # two followers: more than the threshold of 1
        follow(hybrid, alice, bob)
        home(hybrid, alice)
        create(hybrid, star, "star 1")
        create(hybrid, bob, "bob 1")
        create(hybrid, star, "star 2")

        feed = home(hybrid, alice)
        stored = redis.Redis.from_url(settings.REDIS_URL).zrange(f"feed:timeline:{alice.user_id}", 0, -1)

    assert contents(feed) == ["star 2", "bob 1", "star 1"]
    assert len(stored) == 2  # the sentinel and bob's post: the star's posts were never pushed
    assert [edge["node"]["status"] for edge in feed["edges"]] == ["PUBLISHED"] * 3


# --- other lists -----------------------------------------------------------------------------


def test_user_posts_hashtags_and_comments_page_by_cursor(server: LiveServer) -> None:
    alice, bob = user("alice"), user("bob")
    ids = [create(server, alice, f"#Tag number {n}")["post"]["id"] for n in range(3)]
    create(server, bob, "no tag")

    first = gql(server, USER_POSTS, username="ALICE", first=2)["data"]["userPosts"]
    rest = gql(server, USER_POSTS, userId=str(alice.user_id), first=2, after=first["pageInfo"]["endCursor"])
    tagged = gql(server, BY_TAG, tag="#tag")["data"]["postsByHashtag"]

    assert [e["node"]["id"] for e in first["edges"]] == [ids[2], ids[1]]
    assert [e["node"]["id"] for e in rest["data"]["userPosts"]["edges"]] == [ids[0]]
    assert [e["node"] for e in tagged["edges"]] == [{"id": i, "hashtags": ["tag"]} for i in reversed(ids)]


# --- likes and comments ----------------------------------------------------------------------


def test_likes_and_comments_count_and_are_announced(server: LiveServer) -> None:
    alice, bob = user("alice"), user("bob")
    post_id = create(server, alice, "like me")["post"]["id"]

    liked = gql(server, LIKE, as_user=bob, postId=post_id)
    again = gql(server, LIKE, as_user=bob, postId=post_id)
    seen_by_bob = gql(server, POST, as_user=bob, id=post_id)["data"]["post"]
    seen_by_alice = gql(server, POST, as_user=alice, id=post_id)["data"]["post"]
    unliked = gql(server, UNLIKE, as_user=bob, postId=post_id)
    comment = gql(server, COMMENT, as_user=bob, postId=post_id, content=" first! ")["data"]["addComment"]
    gql(server, COMMENT, as_user=alice, postId=post_id, content="thanks")
    listed = gql(server, COMMENTS, postId=post_id)["data"]["comments"]
    removed = gql(server, DELETE_COMMENT, as_user=alice, commentId=comment["comment"]["id"])  # the post's author

    assert (
        liked["data"]["likePost"]
        == again["data"]["likePost"]
        == {
            "errors": [],
            "post": {"likeCount": 1, "likedByMe": True},
        }
    )
    assert (seen_by_bob["likeCount"], seen_by_bob["likedByMe"], seen_by_alice["likedByMe"]) == (1, True, False)
    assert unliked["data"]["unlikePost"] == {"errors": [], "post": {"likeCount": 0, "likedByMe": False}}
    assert comment["errors"] == []
    assert comment["comment"]["content"] == "first!"
    assert comment["comment"]["author"] == {"username": "bob"}
    assert comment["post"] == {"commentCount": 1}
    assert [e["node"] for e in listed["edges"]] == [
        {"content": "first!", "author": {"username": "bob"}},
        {"content": "thanks", "author": {"username": "alice"}},
    ]
    assert removed["data"]["deleteComment"] == {
        "errors": [],
        "deletedCommentId": comment["comment"]["id"],
        "post": {"commentCount": 1},
    }
    assert gql(server, POST, id=post_id)["data"]["post"]["commentCount"] == 1
    reactions = recorded(topic="reaction-events")
    assert [(event.event_type, event.data["post_author_id"]) for event in reactions] == [
        ("post.liked", str(alice.user_id)),
        ("post.unliked", str(alice.user_id)),
        ("comment.created", str(alice.user_id)),
        ("comment.created", str(alice.user_id)),
        ("comment.deleted", str(alice.user_id)),
    ]


def test_an_author_the_feed_has_not_heard_of_is_a_placeholder(server: LiveServer) -> None:
    ghost = Profile(user_id=uuid.uuid4(), username="ghost")  # a token, but no profile event yet

    post = create(server, ghost, "boo")["post"]

    assert post["author"] == {
        "id": str(ghost.user_id),
        "username": "unknown-user",
        "displayName": "Unknown user",
        "avatarMediaId": None,
    }


# --- bad input: a typed error, nothing written -----------------------------------------------


def assert_nothing_written(*, posts: int = 0) -> None:
    assert Post.objects.count() == posts
    assert not Like.objects.exists()
    assert not Comment.objects.exists()
    assert len(recorded(source="feed")) == posts


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"content": "  "}, error("content", "blank", "The post cannot be blank.")),
        (
            {"content": "x" * 5001},
            error("content", "too_long", "The post has at most 5,000 characters (got 5,001)."),
        ),
        (
            {"content": "x", "mediaIds": [str(uuid.uuid4()) for _ in range(5)]},
            error("mediaIds", "too_many_media", "A post has at most 4 images (got 5)."),
        ),
        ({"content": "x", "mediaIds": ["not-an-id"]}, error("mediaIds", "invalid", "`mediaIds` is not a valid id.")),
    ],
)
def test_bad_posts_are_refused(server: LiveServer, variables: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    alice = user("alice")

    assert gql(server, CREATE, as_user=alice, **variables)["data"]["createPost"] == {"errors": expected, "post": None}
    assert_nothing_written()


def test_images_are_checked_with_the_media_service(server: LiveServer) -> None:
    alice, bob = user("alice"), user("bob")
    mine, theirs, unknown = (
        make_media(owner_id=alice.user_id, variants=False).id,
        make_media(owner_id=bob.user_id, variants=False).id,
        uuid.uuid4(),
    )

    refused = {
        str(media_id): gql(server, CREATE, as_user=alice, content="x", mediaIds=[str(mine), str(media_id)])
        for media_id in (theirs, unknown)
    }
    assert_nothing_written()
    accepted = create(server, alice, "with my image", mediaIds=[str(mine)])

    assert refused == {
        str(media_id): {
            "data": {
                "createPost": {
                    "errors": error("mediaIds", "unknown_media", f"You have no uploaded image with the id {media_id}."),
                    "post": None,
                }
            }
        }
        for media_id in (theirs, unknown)
    }
    assert (accepted["errors"], accepted["post"]["mediaIds"]) == ([], [str(mine)])


def test_anonymous_writes_are_refused(server: LiveServer) -> None:
    body = gql(server, CREATE, content="hello")

    assert body["data"]["createPost"] == {
        "errors": error(None, "not_authenticated", "Log in first: this needs an access token."),
        "post": None,
    }
    assert query_error(gql(server, HOME)) == (
        "Log in first: this needs an access token.",
        {"code": "not_authenticated", "field": None},
    )
    assert_nothing_written()


def test_liking_commenting_or_deleting_a_missing_post_is_not_found(server: LiveServer) -> None:
    alice = user("alice")
    missing = error("postId", "not_found", "No post has this id.")

    assert gql(server, LIKE, as_user=alice, postId="123")["data"]["likePost"] == {"errors": missing, "post": None}
    assert gql(server, UNLIKE, as_user=alice, postId="123")["data"]["unlikePost"]["errors"] == missing
    assert gql(server, COMMENT, as_user=alice, postId="123", content="x")["data"]["addComment"]["errors"] == missing
    assert gql(server, DELETE, as_user=alice, postId="123")["data"]["deletePost"]["errors"] == missing
    assert gql(server, LIKE, as_user=alice, postId="abc")["data"]["likePost"]["errors"] == error(
        "postId", "invalid", "`postId` is not a valid post id."
    )
    assert_nothing_written()


def test_someone_elses_post_cannot_be_edited_or_deleted(server: LiveServer) -> None:
    alice, mallory = user("alice"), user("mallory")
    post_id = create(server, alice, "mine")["post"]["id"]

    edit = gql(server, EDIT, as_user=mallory, postId=post_id, content="yours")["data"]["editPost"]
    delete = gql(server, DELETE, as_user=mallory, postId=post_id)["data"]["deletePost"]

    assert edit == {"errors": error("postId", "forbidden", "Only the author can edit this post."), "post": None}
    assert delete == {
        "errors": error("postId", "forbidden", "Only the author can delete this post."),
        "deletedPostId": None,
    }
    assert Post.objects.get().content == "mine"
    assert published() == ["post.created"]


@pytest.mark.parametrize(
    ("variables", "message", "extensions"),
    [
        ({"first": 0}, "`first` must be between 1 and 100 (got 0).", {"code": "out_of_range", "field": "first"}),
        ({"first": 101}, "`first` must be between 1 and 100 (got 101).", {"code": "out_of_range", "field": "first"}),
        (
            {"after": "garbage"},
            "`after` is not a cursor this list handed out.",
            {"code": "invalid_cursor", "field": "after"},
        ),
        (
            {"after": "Y29tbWVudDox"},  # base64 of "comment:1": a cursor of another list
            "`after` is not a cursor this list handed out.",
            {"code": "invalid_cursor", "field": "after"},
        ),
    ],
)
@pytest.mark.parametrize("query", ["homeFeed", "userPosts"])
def test_bad_page_arguments_get_a_typed_error(
    server: LiveServer, query: str, variables: dict[str, Any], message: str, extensions: dict[str, Any]
) -> None:
    alice = user("alice")
    text = HOME if query == "homeFeed" else USER_POSTS
    if query == "userPosts":
        variables = {**variables, "username": "alice"}

    body = gql(server, text, as_user=alice, **variables)

    assert body["data"] == {query: None}
    assert query_error(body) == (message, extensions)


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.django_db(databases=ALL_DATABASES)
@pytest.mark.parametrize("store", ["redis", "database"])
def test_a_home_page_costs_the_same_queries_from_one_author_or_twenty(store: str, settings: Any) -> None:
    settings.FEED_TIMELINE_STORE = store

    def cost(authors: int) -> tuple[int, int]:
        reader = make_author()
        writers = [make_author() for _ in range(authors)]
        for writer in writers:
            make_follow(reader, writer)
        posts = [make_post(writers[n % authors]).id for n in range(20)]
        client = Client(headers=bearer(access_token_for(reader.user_id, reader.username)))
        counts = []
        for _ in range(2):  # a first read (the timeline is built), then a read of the built timeline
            uncache(posts)  # every post hydrated from the database, not the cache
            with CaptureQueriesContext(connections["feed"]) as queries:
                response = client.post(PATH, {"query": HOME, "variables": {"first": 20}}, "application/json")
            edges = response.json()["data"]["homeFeed"]["edges"]
            assert len(edges) == 20
            assert {edge["node"]["author"]["username"] for edge in edges} == {w.username for w in writers}
            counts.append(len(queries))
        return counts[0], counts[1]

    # First read: last read time, rebuild, record the read, pulled authors' posts, posts, authors,
    # likedByMe (the database store writes its rows in a savepoint: 4 more statements). Then:
    # last read time, [the timeline page from the database store], pulled posts, posts, authors, likedByMe.
    expected = (7, 5) if store == "redis" else (11, 6)
    assert cost(1) == cost(20) == expected
