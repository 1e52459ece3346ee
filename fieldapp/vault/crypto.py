"""The one seam where the vault's ciphers are chosen.

Everything cryptographic the vault does goes through a :class:`CipherSuite`: the
database cipher settings handed to SQLCipher, wrapping the database key under a
passphrase (Argon2id + AES-256-GCM) and under the county office's public key
(X25519 + HKDF-SHA256 + AES-256-GCM), sealing exports, and the audit-log hash.
A deployment that must use the national ciphers (SM4/SM3) adds one more suite here
and names it in the key file; nothing else in the vault changes. All primitives
come from ``cryptography``; nothing here is home-made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32


class DecryptError(Exception):
    """Authenticated decryption failed (wrong key/passphrase or altered data)."""


def b64e(data: bytes) -> str:
    """Encode bytes as standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    """Decode standard base64 text (raises ValueError on garbage)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with every passphrase wrap so they can be raised later."""

    memory_cost: int = 131072  # KiB (128 MiB)
    iterations: int = 3
    lanes: int = 4

    def as_dict(self) -> dict:
        """The parameters as stored in a wrap."""
        return {"name": "argon2id", "memory_cost": self.memory_cost, "iterations": self.iterations, "lanes": self.lanes}


DEFAULT_KDF = KdfParams()
# Cheap parameters for tests and the demo only (never for real vaults): 1 MiB, 1 pass, 1 lane, about 1 ms
# a derivation (8 MiB took 14 ms, paid by every unlock of the suite's thousands of vaults and kill rounds).
FAST_KDF = KdfParams(memory_cost=1024, iterations=1, lanes=1)


class StandardSuite:
    """SQLCipher 4 defaults (AES-256-CBC + HMAC-SHA512 per page), Argon2id, AES-256-GCM, X25519, SHA-256."""

    name = "std-1"
    recipient_alg = "x25519-hkdf-sha256-aes256gcm"

    # --- database -------------------------------------------------------------
    def database_pragmas(self) -> list[str]:
        """PRAGMAs run after keying: the SQLCipher 4 defaults, stated explicitly."""
        return [
            "PRAGMA cipher_page_size = 4096",
            "PRAGMA kdf_iter = 256000",
            "PRAGMA cipher_hmac_algorithm = HMAC_SHA512",
            "PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA512",
        ]

    def random_key(self) -> bytes:
        """A fresh random 256-bit database key."""
        return os.urandom(KEY_BYTES)

    # --- passphrase wraps -----------------------------------------------------
    def _derive(self, passphrase: str, salt: bytes, params: KdfParams) -> bytes:
        kdf = Argon2id(
            salt=salt, length=KEY_BYTES, iterations=params.iterations,
            lanes=params.lanes, memory_cost=params.memory_cost,
        )
        return kdf.derive(passphrase.encode("utf-8"))

    def wrap_with_passphrase(self, key: bytes, passphrase: str, aad: bytes, params: KdfParams = DEFAULT_KDF) -> dict:
        """Encrypt *key* under a key derived from *passphrase*; returns the storable wrap."""
        salt, nonce = os.urandom(16), os.urandom(12)
        kek = self._derive(passphrase, salt, params)
        ct = AESGCM(kek).encrypt(nonce, key, aad)
        return {"kdf": {**params.as_dict(), "salt": b64e(salt)}, "alg": "aes256gcm", "nonce": b64e(nonce), "ciphertext": b64e(ct)}

    def unwrap_with_passphrase(self, wrap: dict, passphrase: str, aad: bytes) -> bytes:
        """Recover the key from a passphrase wrap; DecryptError if the passphrase is wrong."""
        kdf = wrap["kdf"]
        if kdf.get("name") != "argon2id":
            raise ValueError("unsupported kdf")
        params = KdfParams(int(kdf["memory_cost"]), int(kdf["iterations"]), int(kdf["lanes"]))
        kek = self._derive(passphrase, b64d(kdf["salt"]), params)
        try:
            return AESGCM(kek).decrypt(b64d(wrap["nonce"]), b64d(wrap["ciphertext"]), aad)
        except InvalidTag as exc:
            raise DecryptError("passphrase does not open this wrap") from exc

    # --- office (recipient) wraps ----------------------------------------------
    def generate_recipient_keypair(self) -> tuple[bytes, bytes]:
        """A new office key pair as (private PEM, public PEM)."""
        private = X25519PrivateKey.generate()
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return private_pem, public_pem

    @staticmethod
    def load_public_key(pem: bytes) -> X25519PublicKey:
        """Parse an office public key (PEM); ValueError if it is not an X25519 key."""
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, X25519PublicKey):
            raise ValueError("not an X25519 public key")
        return key

    @staticmethod
    def load_private_key(pem: bytes) -> X25519PrivateKey:
        """Parse an office private key (PEM); ValueError if it is not an X25519 key."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, X25519PrivateKey):
            raise ValueError("not an X25519 private key")
        return key

    def _recipient_kek(self, shared: bytes, eph_pub: bytes, rcpt_pub: bytes, aad: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=eph_pub + rcpt_pub, info=b"fieldapp-seal:" + aad).derive(shared)

    def seal_to_recipient(self, data: bytes, public_pem: bytes, aad: bytes) -> dict:
        """Encrypt *data* so only the holder of the office private key can open it."""
        recipient = self.load_public_key(public_pem)
        eph = X25519PrivateKey.generate()
        eph_pub = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        rcpt_pub = recipient.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        kek = self._recipient_kek(eph.exchange(recipient), eph_pub, rcpt_pub, aad)
        nonce = os.urandom(12)
        return {
            "alg": self.recipient_alg, "recipient": b64e(rcpt_pub), "ephemeral": b64e(eph_pub),
            "nonce": b64e(nonce), "ciphertext": b64e(AESGCM(kek).encrypt(nonce, data, aad)),
        }

    def canonical_recipient_pem(self, public_pem: bytes) -> bytes:
        """The office public key re-encoded as canonical PEM (for comparing keys); ValueError if it is not one."""
        try:
            key = self.load_public_key(public_pem)
        except (TypeError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"not an X25519 public key ({exc.__class__.__name__})") from exc
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def recipient_public_pem(self, sealed: dict) -> bytes:
        """The PEM public key a sealed blob was made for."""
        key = X25519PublicKey.from_public_bytes(b64d(sealed["recipient"]))
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def open_sealed(self, sealed: dict, private_pem: bytes, aad: bytes) -> bytes:
        """Decrypt a sealed blob with the office private key; DecryptError if it does not match."""
        if sealed.get("alg") != self.recipient_alg:
            raise ValueError("unsupported recipient algorithm")
        private = self.load_private_key(private_pem)
        eph_pub = b64d(sealed["ephemeral"])
        rcpt_pub = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        kek = self._recipient_kek(shared, eph_pub, rcpt_pub, aad)
        try:
            return AESGCM(kek).decrypt(b64d(sealed["nonce"]), b64d(sealed["ciphertext"]), aad)
        except InvalidTag as exc:
            raise DecryptError("office key does not open this seal") from exc

    # --- hashing ----------------------------------------------------------------
    def chain_hash(self, previous: str, payload: bytes) -> str:
        """Hash-chain step of the audit log: H(previous || payload) as hex."""
        return hashlib.sha256(previous.encode("ascii") + b"\n" + payload).hexdigest()

    @staticmethod
    def equal(a: str, b: str) -> bool:
        """Constant-time comparison of two hex digests."""
        return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


SUITES = {StandardSuite.name: StandardSuite()}
DEFAULT_SUITE = SUITES[StandardSuite.name]


def get_suite(name: str) -> StandardSuite:
    """The cipher suite a key file names (KeyError if unknown to this build)."""
    return SUITES[name]
