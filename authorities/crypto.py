"""FIT-Connect style end-to-end encryption and integrity (shared/PROTOCOLS.md section 3).

Submission data, metadata and every attachment travel as JWE compact serialisation, RSA-OAEP-256
key wrapping with A256GCM content encryption, to the office's public key. The metadata carries
the SHA-512 hash of the data and of each attachment, so the receiver checks integrity after
decrypting. Used by the `http` transport (sender) and the simulator (receiver).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from jwcrypto import jwe, jwk
from jwcrypto.common import JWException

ALG = "RSA-OAEP-256"
ENC = "A256GCM"
METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json"
# FIT-Connect requires RSA 4096 (BSI TR-02102-1); outside production the simulator's test keys may be 2048.
MIN_KEY_BITS_PRODUCTION = 4096
MIN_KEY_BITS = 2048


class CryptoError(Exception):
    pass


def canonical_json(value: Any) -> bytes:
    """The exact bytes that are hashed and encrypted: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha512_hex(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest()


def public_key(jwk_dict: dict | None) -> jwk.JWK:
    """The office's encryption key, checked: RSA, allowed to wrap keys, large enough."""
    if not jwk_dict:
        raise CryptoError("The authority has no public key (public_key_jwk).")
    try:
        key = jwk.JWK(**jwk_dict)
    except (JWException, TypeError, ValueError) as error:
        raise CryptoError(f"The public key is not a valid JWK: {error}") from error
    if key.get("kty") != "RSA":
        raise CryptoError("The public key must be an RSA key.")
    key_ops = jwk_dict.get("key_ops")
    if key_ops is not None and "wrapKey" not in key_ops:
        raise CryptoError("The public key may not wrap keys (key_ops lacks wrapKey).")
    bits = _rsa_bits(key)
    minimum = MIN_KEY_BITS_PRODUCTION if settings.PRODUCTION else MIN_KEY_BITS
    if bits < minimum:
        raise CryptoError(f"The public key has {bits} bits; at least {minimum} are needed.")
    return key


def _rsa_bits(key: jwk.JWK) -> int:
    from jwcrypto.common import base64url_decode

    return len(base64url_decode(key.get("n"))) * 8


def key_id(key: jwk.JWK) -> str:
    return key.get("kid") or key.thumbprint()


def encrypt(payload: bytes, key: jwk.JWK, *, content_type: str) -> str:
    header = {"alg": ALG, "enc": ENC, "kid": key_id(key), "cty": content_type}
    token = jwe.JWE(payload, protected=json.dumps(header))
    token.add_recipient(key)
    return token.serialize(compact=True)


def decrypt(token: str, private_key: jwk.JWK) -> bytes:
    if not isinstance(token, str) or token.count(".") != 4:
        raise CryptoError("Not a JWE in compact serialisation.")
    message = jwe.JWE()
    try:
        message.deserialize(token)
        header = message.jose_header
        if header.get("alg") != ALG or header.get("enc") != ENC:
            raise CryptoError(f"Unexpected JWE algorithms {header.get('alg')}/{header.get('enc')}.")
        message.decrypt(private_key)
    except JWException as error:
        raise CryptoError(f"Decryption failed: {error}") from error
    return message.payload


def build_metadata(*, data: bytes, schema_uri: str, attachments: list[dict], reference: dict) -> dict:
    """FIT-Connect metadata: hashes of the data and of each attachment (`attachments` items carry
    attachmentId, sha512, mimeType, filename)."""
    return {
        "$schema": METADATA_SCHEMA,
        "contentStructure": {
            "data": {
                "hash": {"type": "sha512", "content": sha512_hex(data)},
                "submissionSchema": {"schemaUri": schema_uri, "mimeType": "application/json"},
            },
            "attachments": [
                {
                    "attachmentId": item["attachmentId"],
                    "hash": {"type": "sha512", "content": item["sha512"]},
                    "mimeType": item["mimeType"],
                    "filename": item["filename"],
                    "purpose": "attachment",
                }
                for item in attachments
            ],
        },
        "additionalReferenceInfo": reference,
    }
