"""The signature algorithm registry. ECDSA P-256 with SHA-256 (COSE ES256) now.

SM2 (国密, GB/T 32918 with SM3) is added by registering one more Algorithm: its name ("SM2-SM3"),
the COSE identifier the authenticator reports, and a verify function over a public key from the
certificate. Nothing else in the signing layer names a curve or a hash: devices and signatures
store the algorithm name and look it up here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature


@dataclass(frozen=True)
class Algorithm:
    name: str
    cose_alg: int  # what a WebAuthn authenticator reports for the credential
    accepts_public_key: Callable[[object], bool]
    verify: Callable[[object, bytes, bytes], bool]  # (public key, DER signature, message) -> ok
    raw_to_der: Callable[[bytes], bytes]  # WebCrypto returns raw r‖s; certificates and storage use DER


_REGISTRY: dict[str, Algorithm] = {}


def register_algorithm(algorithm: Algorithm) -> None:
    _REGISTRY[algorithm.name] = algorithm


def algorithm_get(name: str) -> Algorithm:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"不支持的签名算法：{name}") from None


def algorithm_for_public_key(public_key) -> Algorithm:
    for algorithm in _REGISTRY.values():
        if algorithm.accepts_public_key(public_key):
            return algorithm
    raise ValueError("不支持的公钥类型：仅支持 ECDSA P-256")


def _p256(public_key) -> bool:
    return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)


def _es256_verify(public_key, signature_der: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature_der, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _p256_raw_to_der(raw: bytes) -> bytes:
    if len(raw) != 64:
        raise ValueError("签名长度不正确")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def p256_der_to_raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


register_algorithm(
    Algorithm(name="ES256", cose_alg=-7, accepts_public_key=_p256, verify=_es256_verify, raw_to_der=_p256_raw_to_der)
)
