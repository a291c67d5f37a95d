"""Access tokens: EdDSA (Ed25519) JWTs signed by the user service alone and verified by anyone
holding the public keys.

A key set is a folder of `<kid>.pub` PEM files: during a key roll it holds the old and the new
public key, so tokens of both verify while only the new private key signs. A token's lifetime
(`exp - iat`) is capped whoever signed it, so a token minted for ten years is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common.errors import Unauthenticated
from common.ids import new_id

ISSUER = "lastmile"
ALGORITHM = "EdDSA"
PUBLIC_SUFFIX = ".pub"
# Clocks of the signer and a verifier may differ a little.
LEEWAY_S = 2


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: str
    role: str
    token_id: str
    expires_at: datetime


def load_public_keys(folder: Path) -> dict[str, Ed25519PublicKey]:
    """kid -> public key, one per `<kid>.pub` file; ValueError when there is none."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in sorted(folder.glob(f"*{PUBLIC_SUFFIX}")):
        key = serialization.load_pem_public_key(path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path} is not an Ed25519 public key")
        keys[path.name.removesuffix(PUBLIC_SUFFIX)] = key
    if not keys:
        raise ValueError(f"no public key (*{PUBLIC_SUFFIX}) in {folder}")
    return keys


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def write_key_pair(private_dir: Path, public_dir: Path, kid: str) -> None:
    """A new signing key `<private_dir>/<kid>.pem` (mode 0600) and its public half
    `<public_dir>/<kid>.pub`, for local runs, tests and deployment scripts."""
    key = Ed25519PrivateKey.generate()
    private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    public_dir.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_dir / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (public_dir / f"{kid}{PUBLIC_SUFFIX}").write_bytes(public)


class TokenVerifier:
    """Checks signature (by the token's `kid`), issuer, expiry and the lifetime cap."""

    def __init__(self, keys: dict[str, Ed25519PublicKey], max_lifetime: timedelta) -> None:
        self._keys = keys
        self._max_lifetime_s = max_lifetime.total_seconds()

    def verify(self, token: str) -> Claims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthenticated("token is invalid")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["sub", "exp", "iat", "iss", "role", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token has expired; log in again") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("token is invalid") from None
        if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
            raise Unauthenticated("token is invalid")
        if claims["exp"] - claims["iat"] > self._max_lifetime_s:
            raise Unauthenticated("token lives longer than allowed")
        return Claims(
            user_id=str(claims["sub"]),
            role=str(claims["role"]),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )


class TokenSigner:
    """Issues tokens: subject = user id, claim `role`, a fresh `jti`, header `kid`."""

    def __init__(self, key: Ed25519PrivateKey, kid: str, lifetime: timedelta) -> None:
        self._key, self._kid, self._lifetime = key, kid, lifetime

    def issue(self, user_id: str, role: str, now: datetime | None = None) -> tuple[str, datetime]:
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        expires = now + self._lifetime
        claims = {
            "sub": user_id,
            "role": role,
            "iss": ISSUER,
            "jti": new_id(),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})
        return token, expires
