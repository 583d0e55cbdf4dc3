"""The key ring: RSA keys by key id (`kid`), the active one signing, all public ones verifying.

Keys live as PEM files in JWT_KEYS_DIR: `<kid>.key.pem` (private, only the auth service
needs it) and/or `<kid>.pub.pem` (public). JWT_ACTIVE_KID names the signing key. To rotate
without logging anyone out: add a new key, make it active, keep the old public key until
the last token it signed has expired (the refresh lifetime), then delete it.

In the embedded default (DEBUG, no keys yet) a key pair is generated on first use.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings


class KeyRingError(RuntimeError):
    """The key ring is unusable: no keys, or no private key for the active kid."""


@dataclass(frozen=True)
class KeyPair:
    kid: str
    public_key: rsa.RSAPublicKey
    private_key: rsa.RSAPrivateKey | None


def generate_key_pair(directory: Path, kid: str | None = None) -> str:
    """Write a new 2048-bit RSA key pair as `<kid>.key.pem` and `<kid>.pub.pem`. Returns the kid."""
    kid = kid or datetime.now(UTC).strftime("k%Y%m%d%H%M%S")
    directory.mkdir(parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path = directory / f"{kid}.key.pem"
    key_path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    (directory / f"{kid}.pub.pem").write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return kid


class KeyRing:
    def __init__(self, keys: dict[str, KeyPair], active_kid: str | None) -> None:
        self.keys = keys
        self.active_kid = active_kid

    @classmethod
    def load(cls, directory: Path, active_kid: str | None) -> KeyRing:
        keys: dict[str, KeyPair] = {}
        kids = {p.name.split(".")[0] for p in directory.glob("*.pem")} if directory.is_dir() else set()
        for kid in sorted(kids):
            private_path, public_path = directory / f"{kid}.key.pem", directory / f"{kid}.pub.pem"
            private = None
            if private_path.exists():
                loaded = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
                if not isinstance(loaded, rsa.RSAPrivateKey):
                    raise KeyRingError(f"{private_path} is not an RSA private key")
                private = loaded
            if public_path.exists():
                public = serialization.load_pem_public_key(public_path.read_bytes())
                if not isinstance(public, rsa.RSAPublicKey):
                    raise KeyRingError(f"{public_path} is not an RSA public key")
            elif private is not None:
                public = private.public_key()
            else:
                continue
            keys[kid] = KeyPair(kid=kid, public_key=public, private_key=private)
        if active_kid is None:
            signing = [kid for kid, pair in keys.items() if pair.private_key is not None]
            active_kid = signing[-1] if len(signing) == 1 else None
        return cls(keys, active_kid)

    def signing_key(self) -> tuple[str, rsa.RSAPrivateKey]:
        pair = self.keys.get(self.active_kid or "")
        if pair is None or pair.private_key is None:
            raise KeyRingError(
                f"no private key for the active kid {self.active_kid!r} in {settings.JWT_KEYS_DIR}; "
                "set JWT_ACTIVE_KID, or generate one with `manage.py jwt_keys generate`"
            )
        return pair.kid, pair.private_key

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        pair = self.keys.get(kid)
        return pair.public_key if pair else None

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public keys as a JSON Web Key Set (RFC 7517), what Istio's RequestAuthentication reads."""
        return {"keys": [_jwk(pair) for pair in self.keys.values()]}


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwk(pair: KeyPair) -> dict[str, Any]:
    numbers = pair.public_key.public_numbers()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": pair.kid, "n": _b64(numbers.n), "e": _b64(numbers.e)}


_lock = threading.Lock()


@cache
def _cached_ring(directory: str, active_kid: str | None, generate: bool) -> KeyRing:
    path = Path(directory)
    with _lock:
        ring = KeyRing.load(path, active_kid)
        if not ring.keys and generate:
            generate_key_pair(path)
            ring = KeyRing.load(path, active_kid)
    if not ring.keys:
        raise KeyRingError(f"no JWT keys in {directory}: generate them with `manage.py jwt_keys generate`")
    return ring


def key_ring() -> KeyRing:
    """This process's key ring (read once per settings; `reset_key_ring()` after rotating files)."""
    return _cached_ring(str(settings.JWT_KEYS_DIR), settings.JWT_ACTIVE_KID or None, settings.JWT_GENERATE_KEYS)


def reset_key_ring() -> None:
    """Read the key files again on next use. Tokens verified with the old ring are verified
    afresh: `tokens` remembers verifications per ring."""
    _cached_ring.cache_clear()
