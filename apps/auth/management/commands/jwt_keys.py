"""`manage.py jwt_keys generate [--kid K]` writes a new key pair; `jwt_keys jwks` prints the JWKS.

Rotation: generate a key, set JWT_ACTIVE_KID to it and roll the auth service out; keep the old
`<kid>.pub.pem` (delete its `.key.pem`) until the refresh lifetime has passed, then remove it.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from socialapp.authn.keys import generate_key_pair, key_ring, reset_key_ring


class Command(BaseCommand):
    help = "Manage the RS256 keys that sign access and refresh tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="write <kid>.key.pem and <kid>.pub.pem into JWT_KEYS_DIR")
        generate.add_argument("--kid", default=None)
        generate.add_argument("--if-missing", action="store_true", help="do nothing if the kid already exists")
        sub.add_parser("jwks", help="print the public keys as a JSON Web Key Set")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            existing = settings.JWT_KEYS_DIR / f"{options['kid']}.key.pem"
            if options["if_missing"] and options["kid"] and existing.exists():
                self.stdout.write(f"key {options['kid']} already exists in {settings.JWT_KEYS_DIR}")
                return
            kid = generate_key_pair(settings.JWT_KEYS_DIR, options["kid"])
            reset_key_ring()
            self.stdout.write(
                f"generated key {kid} in {settings.JWT_KEYS_DIR}; set JWT_ACTIVE_KID={kid} to sign with it"
            )
        else:
            self.stdout.write(json.dumps(key_ring().jwks(), indent=2))
