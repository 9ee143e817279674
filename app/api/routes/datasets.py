"""Datasets: list, versions, upload, preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from app.api.deps import ServicesDep
from app.api.schemas import Preview
from app.services.datasets import MAX_UPLOAD_BYTES
from storage import Dataset, DatasetVersion

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.get("")
def list_datasets(svc: ServicesDep) -> list[Dataset]:
    return svc.store.list_datasets()


@router.get("/{name}/versions")
def list_versions(name: str, svc: ServicesDep) -> list[DatasetVersion]:
    return svc.store.list_dataset_versions(name)


@router.get("/{name}")
def get_latest(name: str, svc: ServicesDep) -> DatasetVersion:
    return svc.store.get_dataset_version(name)


@router.get("/{name}/versions/{version}")
def get_version(name: str, version: int, svc: ServicesDep) -> DatasetVersion:
    return svc.store.get_dataset_version(name, version)


@router.get("/{name}/versions/{version}/preview")
def preview(name: str, version: int, svc: ServicesDep, limit: int = 100) -> Preview:
    found = svc.store.get_dataset_version(name, version)
    return Preview(**svc.artifacts.preview(found.uri, limit=max(1, min(limit, 10_000))))


@router.post("/{name}/versions", status_code=201)
async def upload(
    name: str,
    svc: ServicesDep,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form()] = "",
) -> DatasetVersion:
    """Register an uploaded CSV or Parquet file as the dataset's next version."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)  # one byte more: too large is refused
    # Parsed in a thread: a large file must not hold up /health and every other request.
    return await run_in_threadpool(
        svc.datasets.register_upload, name, file.filename or "", data, description
    )
