# One image for the two processes Flowbench runs on Kubernetes:
#   scoring server:  flowbench serve <bundle URL> --host 0.0.0.0 --port 8000   (real-time endpoints)
#   worker:          flowbench worker --queues <queue>                          (compute targets)
# The manifests jobs/kube makes set the command; they run it as uid 10001 with a read-only root
# file system and an emptyDir at /tmp.
#
# Build and push (no Docker engine runs where Flowbench is developed: this file has not been built):
#   docker build -t <registry>/flowbench:0.1.0 .
#   docker push <registry>/flowbench:0.1.0
#
# The base is pinned to the interpreter the test suite runs on; bump it (or pin a digest with
# `docker buildx imagetools inspect python:3.11.7-slim-bookworm`) deliberately.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Requirements first: this layer is rebuilt only when they change.
COPY requirements.txt ./
RUN python -m venv /opt/flowbench \
    && /opt/flowbench/bin/pip install -r requirements.txt
COPY pyproject.toml ./
COPY app ./app
COPY components ./components
COPY jobs ./jobs
COPY storage ./storage
RUN /opt/flowbench/bin/pip install --no-deps . \
    && /opt/flowbench/bin/flowbench --help >/dev/null

FROM ${PYTHON_IMAGE}
# bubblewrap confines user Python code (Execute Python Script) on workers; it needs user
# namespaces, which some clusters deny to pods.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 flowbench \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/flowbench flowbench
COPY --from=build /opt/flowbench /opt/flowbench
ENV PATH=/opt/flowbench/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLOWBENCH_HOME=/tmp/flowbench
USER 10001:10001
WORKDIR /home/flowbench
EXPOSE 8000
ENTRYPOINT ["flowbench"]
CMD ["--help"]
