"""An endpoint's bearer keys: made and hashed by the scoring server's own helpers
(`jobs.serving.keys`), stored as sha256 hashes for the server.

Each endpoint has a folder in the workspace (`endpoints/<name>/`) holding
- `keys.json`: {"primary_sha256": ..., "secondary_sha256": ...}, what the scoring server reads
  (it re-reads the file when it changes, so a key is rotated without a restart);
- `secret-keys.json` (mode 0600): the keys themselves, so the Consume tab can show them, kept
  like the workspace token beside it (whoever can read one can read the other).
Both files are replaced atomically (write a temporary file, then rename), so the server never
reads half a file and a client using the other key never sees a failed request.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jobs.serving.keys import hash_key, new_key, write_keys_file

KEY_SLOTS = ("primary", "secondary")
KEYS_FILE = "keys.json"
SECRET_KEYS_FILE = "secret-keys.json"


def _write_private(path: Path, document: dict[str, str]) -> None:
    """Replace `path` atomically with `document`, readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class EndpointKeys:
    """The key files of one endpoint's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def keys_file(self) -> Path:
        return self.folder / KEYS_FILE

    @property
    def secret_file(self) -> Path:
        return self.folder / SECRET_KEYS_FILE

    def create(self) -> dict[str, str]:
        """Make both keys and write both files; return the keys."""
        return self._write({slot: new_key() for slot in KEY_SLOTS})

    def regenerate(self, slot: str) -> dict[str, str]:
        """Replace one key, leaving the other working; return both keys.

        Raises:
            ValueError: `slot` is not 'primary' or 'secondary'.
        """
        if slot not in KEY_SLOTS:
            raise ValueError(f"Unknown key '{slot}'; choose 'primary' or 'secondary'.")
        return self._write({**self.read(), slot: new_key()})

    def read(self) -> dict[str, str]:
        """The endpoint's keys: {"primary": ..., "secondary": ...}."""
        return json.loads(self.secret_file.read_text())

    def hashes(self) -> dict[str, str]:
        """{"primary_sha256": ..., "secondary_sha256": ...} of the current keys."""
        return json.loads(self.keys_file.read_text())

    def _write(self, keys: dict[str, str]) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_private(self.secret_file, keys)
        write_keys_file(
            self.keys_file, {f"{slot}_sha256": hash_key(keys[slot]) for slot in KEY_SLOTS}
        )
        return keys
