"""Errors raised by the storage package.

Messages may be shown to users as they are: they name the thing and say what is wrong.
"""


class StorageError(Exception):
    """Base class of every storage error (the workspace database and the artifact store)."""


class NotFoundError(StorageError):
    """The experiment, run, step, dataset, draft, model or compute target does not exist."""


class AlreadyExistsError(StorageError):
    """Something with the same name or id already exists."""


class ConflictError(StorageError):
    """The change clashes with the current state: a refused status transition, a stale draft."""


class ArtifactError(StorageError):
    """An artifact URI is malformed or an artifact cannot be read or written."""


class ArtifactNotFoundError(ArtifactError, NotFoundError):
    """No artifact exists at the URI."""


class ArtifactIntegrityError(ArtifactError):
    """An artifact's bytes no longer match the content hash in its URI: it was modified."""


class UploadError(StorageError):
    """A user's upload is malformed; the message says what is wrong and how to fix it."""


class WorkspaceLockedError(StorageError):
    """Another process holds the workspace database open (DuckDB allows one process per file)."""
