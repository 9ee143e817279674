"""Endpoint keys: only SHA-256 hashes at rest, compared in constant time, re-read on change.

The keys file is JSON ``{"primary_sha256": hex, "secondary_sha256": hex}``. The control plane
rewrites it to regenerate one key at a time (clients move to the other key meanwhile); a
Kubernetes Secret mounted as a file works the same way. The server checks the file's
modification time and size on each request and re-reads it when they change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)
SLOTS = ("primary_sha256", "secondary_sha256")


def hash_key(key: str) -> str:
    """The hex SHA-256 of a key, as stored in a keys file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A new random key (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def write_keys_file(path: str | Path, hashes: dict[str, str]) -> None:
    """Write `hashes` (slot -> hex SHA-256) atomically, readable by the owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump({slot: hashes[slot] for slot in SLOTS if slot in hashes}, file)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_keys_file(path: str | Path) -> tuple[str, str]:
    """Write a keys file for two new keys; return (primary, secondary) in clear, once."""
    primary, secondary = new_key(), new_key()
    write_keys_file(
        path, {"primary_sha256": hash_key(primary), "secondary_sha256": hash_key(secondary)}
    )
    return primary, secondary


class KeyRing:
    """The accepted key hashes, from a keys file that may change while the server runs.

    A missing or unreadable file accepts no key (the endpoint is closed, never open).
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._stamp: tuple[int, int, int] | None = None
        self._hashes: tuple[bytes, ...] = ()
        self._lock = threading.Lock()
        self.problem = "" if self.path else "no keys file configured"
        self.refresh()

    def refresh(self) -> None:
        """Re-read the file if its modification time, size or inode changed."""
        if self.path is None:
            return
        try:
            stat = self.path.stat()
        except OSError as exc:
            self._set((), None, f"cannot read keys file: {exc.strerror}")
            return
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            hashes = tuple(
                bytes.fromhex(data[slot])
                for slot in SLOTS
                if isinstance(data.get(slot), str) and data[slot]
            )
            if not hashes or any(len(h) != 32 for h in hashes):
                raise ValueError("expected hex SHA-256 values under " + " and ".join(SLOTS))
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("keys file %s is not usable (%s); refusing every key", self.path, exc)
            self._set((), stamp, f"keys file not usable: {exc}")
            return
        self._set(hashes, stamp, "")

    def _set(
        self, hashes: tuple[bytes, ...], stamp: tuple[int, int, int] | None, problem: str
    ) -> None:
        with self._lock:
            self._hashes, self._stamp, self.problem = hashes, stamp, problem

    def accepts(self, authorization: str | None) -> bool:
        """Whether an Authorization header carries a current key (``Bearer <key>``)."""
        self.refresh()
        if not authorization:
            return False
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        digest = hashlib.sha256(key.strip().encode("utf-8", "surrogatepass")).digest()
        accepted = False
        for stored in self._hashes:  # compare with every key: time does not tell which matched
            accepted |= hmac.compare_digest(digest, stored)
        return accepted
