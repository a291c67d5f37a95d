"""Access tokens: EdDSA (Ed25519) JWTs signed by the user service alone and verified by anyone
holding the public keys.

The public keys are a JWK Set (RFC 7517, a JSON file) of Ed25519 keys named by `kid`: during a
key roll it holds the old and the new public key, so tokens of both verify while only the new
private key signs. A token's lifetime
(`exp - iat`) is capped whoever signed it, so a token minted for ten years is refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from common.errors import Unauthenticated
from common.ids import new_id

ISSUER = "lastmile"
ALGORITHM = "EdDSA"
# Clocks of the signer and a verifier may differ a little.
LEEWAY_S = 2


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: str
    role: str
    token_id: str
    expires_at: datetime


def load_public_keys(jwks_file: Path) -> dict[str, Ed25519PublicKey]:
    """kid -> public key, from a JWK Set file; ValueError when it holds no Ed25519 key."""
    try:
        document = json.loads(jwks_file.read_text())
        keys = {jwk.key_id: jwk.key for jwk in jwt.PyJWKSet.from_dict(document).keys}
    except (OSError, ValueError, jwt.PyJWKSetError) as exc:
        raise ValueError(f"{jwks_file} is not a JWK Set of public keys: {exc}") from None
    public = {kid: key for kid, key in keys.items() if kid and isinstance(key, Ed25519PublicKey)}
    if not public:
        raise ValueError(f"no Ed25519 public key with a kid in {jwks_file}")
    return public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def write_key_pair(private_file: Path, jwks_file: Path, kid: str, keep: int = 2) -> None:
    """A new signing key in `private_file` (PEM, mode 0600), its public half added to the JWK
    Set `jwks_file` (created if missing) beside the newest `keep - 1` keys already there: a key
    roll keeps the previous key verifying until the tokens it signed have expired."""
    key = Ed25519PrivateKey.generate()
    private_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    jwk = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid=kid, use="sig", alg=ALGORITHM)
    old = json.loads(jwks_file.read_text())["keys"] if jwks_file.exists() else []
    kept = [k for k in old if k.get("kid") != kid][-(keep - 1) :] if keep > 1 else []
    jwks_file.parent.mkdir(parents=True, exist_ok=True)
    jwks_file.write_text(json.dumps({"keys": [*kept, jwk]}, indent=1) + "\n")


def kid_of(private_key: Ed25519PrivateKey, public_keys: dict[str, Ed25519PublicKey]) -> str:
    """The kid under which the key set lists `private_key`'s public half; ValueError if none."""
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    mine = private_key.public_key().public_bytes(*raw)
    for kid, key in public_keys.items():
        if key.public_bytes(*raw) == mine:
            return kid
    raise ValueError("the signing key's public half is not in the public key set")


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
