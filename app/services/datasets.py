"""Datasets: register uploads and the bundled samples as immutable versions."""

from __future__ import annotations

import re

from app.services.errors import TooLargeError
from storage import (
    ArtifactStore,
    DatasetVersion,
    NotFoundError,
    UploadError,
    WorkspaceStore,
    read_upload,
)
from storage.samples import SAMPLES, load_sample

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
# The largest upload accepted; a caller reading a stream reads at most one byte more.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class DatasetService:
    """Turns tables into dataset versions: the data in the artifact store, the record in DuckDB."""

    def __init__(self, store: WorkspaceStore, artifacts: ArtifactStore):
        self.store = store
        self.artifacts = artifacts

    def register_upload(
        self, name: str, filename: str, data: bytes, description: str = ""
    ) -> DatasetVersion:
        """Parse an uploaded CSV or Parquet file and store it as the dataset's next version.

        Raises:
            TooLargeError: `data` is larger than MAX_UPLOAD_BYTES; nothing is stored.
            UploadError: the name or the file is not acceptable; nothing is stored.
        """
        if len(data) > MAX_UPLOAD_BYTES:
            raise TooLargeError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.")
        if not _NAME.match(name or ""):
            raise UploadError(
                f"Dataset name {name!r} is not allowed: use letters, digits, '-', "
                "'_' or '.', starting with a letter or digit (at most 100)."
            )
        frame = read_upload(filename, data)  # raises UploadError before anything is written
        ref = self.artifacts.put_table(frame)
        return self.store.register_dataset_version(
            name=name,
            uri=ref.uri,
            content_hash=ref.content_hash,
            row_count=ref.row_count,
            columns=ref.columns,
            source="upload",
            description=description or filename,
        )

    def register_output(self, name: str, uri: str, description: str = "") -> DatasetVersion:
        """Register a table already in the artifact store (a step's output) as the dataset's
        next version; the table is not copied (artifacts are content-addressed).

        Raises:
            UploadError: the name is not acceptable.
        """
        if not _NAME.match(name or ""):
            raise UploadError(
                f"Dataset name {name!r} is not allowed: use letters, digits, '-', "
                "'_' or '.', starting with a letter or digit (at most 100)."
            )
        ref = self.artifacts.put_table(self.artifacts.get_table(uri))
        # A step wrote it without fsync (recomputable then); as a dataset version it is not.
        self.artifacts.make_durable(ref.uri)
        return self.store.register_dataset_version(
            name=name,
            uri=ref.uri,
            content_hash=ref.content_hash,
            row_count=ref.row_count,
            columns=ref.columns,
            source="run",
            description=description,
        )

    def register_samples(self) -> list[DatasetVersion]:
        """Register each bundled sample that the workspace does not have yet."""
        added = []
        for sample in SAMPLES:
            try:
                self.store.get_dataset_version(sample.name)
                continue
            except NotFoundError:
                pass
            ref = self.artifacts.put_table(load_sample(sample.name))
            added.append(
                self.store.register_dataset_version(
                    name=sample.name,
                    uri=ref.uri,
                    content_hash=ref.content_hash,
                    row_count=ref.row_count,
                    columns=ref.columns,
                    source="sample",
                    description=f"{sample.title}. {sample.description}",
                )
            )
        return added
