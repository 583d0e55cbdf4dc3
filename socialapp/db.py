"""Transactions on the right database.

There is no usable "default" database: each app's models live on its own alias, so a bare
`transaction.atomic()` fails loudly instead of silently guarding the wrong database. Open
a transaction for the app whose data you write:

    with atomic_for(Post):
        post = Post.objects.create(...)
        publish(PostCreated(...))
"""

from __future__ import annotations

from django.db import models, router, transaction
from django.db.transaction import Atomic


def atomic_for(model: type[models.Model], *, savepoint: bool = True, durable: bool = False) -> Atomic:
    """`transaction.atomic` on the database the router assigns to `model`'s app."""
    return transaction.atomic(using=router.db_for_write(model), savepoint=savepoint, durable=durable)
