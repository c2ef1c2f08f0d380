"""Read replicas (`blog.replicas`): which reads may go to a replica, and which replica
may serve a version. The replicas themselves run in `make scale-check`
(tests/scale/test_replicas.py); here their answers are played by `FakeReplicas`."""

import pytest
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, OperationalError, transaction

from blog import replicas, versioning
from blog.models import ContentRevision, Post, Tag
from blog.post_page import DETAIL


class FakeReplicas:
    """Each replica's answer to the probe, and a clock moved by hand."""

    def __init__(self, **replayed: int) -> None:
        self.replayed = dict(replayed)
        self.in_recovery = dict.fromkeys(replayed, True)
        self.down: set[str] = set()
        self.probes: list[str] = []
        self.now = 1000.0

    def probe(self, alias: str) -> tuple[bool, int]:
        self.probes.append(alias)
        if alias in self.down:
            raise OperationalError("connection refused")
        self.replayed[alias] += getattr(self, "step", 0)
        return self.in_recovery[alias], self.replayed[alias]

    def clock(self) -> float:
        return self.now

    def pool(self) -> replicas.Pool:
        aliases = list(self.replayed)
        return replicas.Pool(
            [replicas.Replica(alias) for alias in aliases],
            probe=self.probe,
            clock=self.clock,
        )


@pytest.fixture
def quick(settings):
    settings.DATABASE_REPLICA_WAIT_MS = 0
    settings.DATABASE_REPLICA_MAX_LAG_S = 5


def test_a_replica_past_the_version_serves_it_and_is_not_asked_again(quick):
    fake = FakeReplicas(replica_0=500)
    pool = fake.pool()
    assert pool.choose(400) == "replica_0"
    assert pool.choose(500) == "replica_0"
    assert fake.probes == ["replica_0"]  # remembered: it only moves forward


def test_a_replica_behind_the_version_leaves_the_read_to_the_primary(quick):
    fake = FakeReplicas(replica_0=300)
    pool = fake.pool()
    assert pool.choose(400) is None
    assert pool.choose(400) is None  # within PROBE_INTERVAL: not asked again
    assert fake.probes == ["replica_0"]
    fake.replayed["replica_0"] = 400
    fake.now += replicas.PROBE_INTERVAL
    assert pool.choose(400) == "replica_0"
    assert pool.report() == {"replica_0": "ok"}


def test_no_recorded_position_means_the_primary():
    assert FakeReplicas(replica_0=10**9).pool().choose(None) is None


def test_a_short_wait_lets_a_replica_catch_up(settings):
    settings.DATABASE_REPLICA_WAIT_MS = 50
    settings.DATABASE_REPLICA_MAX_LAG_S = 5
    fake = FakeReplicas(replica_0=380)
    fake.step = 10  # each probe finds it 10 bytes further on
    assert fake.pool().choose(400) == "replica_0"
    assert len(fake.probes) == 2
    settings.DATABASE_REPLICA_WAIT_MS = 0
    assert FakeReplicas(replica_0=380).pool().choose(400) is None


def test_a_failing_replica_is_skipped_until_it_answers_again(quick):
    fake = FakeReplicas(replica_0=500)
    fake.down.add("replica_0")
    pool = fake.pool()
    assert pool.choose(400) is None
    fake.down.clear()
    fake.now += replicas.RETRY_SECONDS / 2
    assert pool.choose(400) is None
    assert fake.probes == ["replica_0"]  # skipped: not asked
    fake.now += replicas.RETRY_SECONDS
    assert pool.choose(400) == "replica_0"


def test_a_render_that_failed_on_a_replica_skips_it(quick):
    fake = FakeReplicas(replica_0=500, replica_1=500)
    pool = fake.pool()
    pool.failed("replica_0")
    assert {pool.choose(400) for _ in range(4)} == {"replica_1"}


def test_a_promoted_replica_is_never_read(quick):
    fake = FakeReplicas(replica_0=500)
    fake.in_recovery["replica_0"] = False  # it no longer follows this primary
    pool = fake.pool()
    assert pool.choose(400) is None
    assert pool.report() == {"replica_0": "promoted"}


def test_a_replica_behind_for_longer_than_the_lag_limit_is_skipped(quick):
    fake = FakeReplicas(replica_0=300)
    pool = fake.pool()
    assert pool.choose(400) is None  # first needed now
    fake.now += 6  # past DATABASE_REPLICA_MAX_LAG_S
    assert pool.choose(400) is None
    assert pool.replicas[0].state == "lagging"
    probes = len(fake.probes)
    fake.replayed["replica_0"] = 450  # caught up, but skipped until asked again
    fake.now += replicas.RETRY_SECONDS / 2
    assert pool.choose(400) is None
    assert len(fake.probes) == probes
    fake.now += replicas.RETRY_SECONDS
    assert pool.choose(400) == "replica_0"


def test_replicas_take_turns(quick):
    pool = FakeReplicas(replica_0=500, replica_1=500).pool()
    assert {pool.choose(400) for _ in range(4)} == {"replica_0", "replica_1"}


# --- The router -----------------------------------------------------------------------


@pytest.fixture
def one_replica(monkeypatch, quick):
    fake = FakeReplicas(replica_0=500)
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica_0"])
    monkeypatch.setattr(replicas, "_pool", fake.pool())
    return fake


def version(wal_lsn: int | None = 400) -> versioning.ContentVersion:
    return versioning.ContentVersion("t", 0, None, 1, wal_lsn)


ROUTER = replicas.ReplicaRouter()


def test_only_reads_of_reader_models_in_a_public_render_go_to_a_replica(one_replica):
    assert ROUTER.db_for_read(Post) == DEFAULT_DB_ALIAS  # no render: the primary
    with replicas.public_render(version()) as render:
        assert ROUTER.db_for_read(Post) == "replica_0"
        assert ROUTER.db_for_read(Tag) == "replica_0"
        # Not declared in READER_MODELS: the primary.
        assert ROUTER.db_for_read(ContentRevision) == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_read(User) == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_write(Post) == DEFAULT_DB_ALIAS
        assert render.on_replica
    assert one_replica.probes == ["replica_0"]  # chosen once for the render


def test_a_render_reads_the_primary_when_asked_or_when_no_replica_has_the_version(
    one_replica,
):
    with replicas.public_render(version(), primary=True):
        assert ROUTER.db_for_read(Post) == DEFAULT_DB_ALIAS
    with replicas.public_render(version(600)) as render:  # replayed only 500
        assert ROUTER.db_for_read(Post) == DEFAULT_DB_ALIAS
        assert not render.on_replica
    with replicas.public_render(version(None)):  # SQLite, or a version from before
        assert ROUTER.db_for_read(Post) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(one_replica):
    with replicas.public_render(version()), transaction.atomic():
        assert ROUTER.db_for_read(Post) == DEFAULT_DB_ALIAS


def test_only_the_primary_is_migrated():
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "blog")
    assert not ROUTER.allow_migrate("replica_0", "blog")


def test_every_model_readers_see_may_be_read_from_a_replica():
    """A model added to READER_MODELS is routed like the rest, by declaration."""
    assert frozenset(versioning.READER_MODELS) == replicas._READER_LABELS


class RecordingRouter:
    """Records which models were read, and whether inside a public render."""

    reads: list = []

    def db_for_read(self, model, **hints):
        render = replicas._render.get()
        where = "no render" if render is None else render.alias
        RecordingRouter.reads.append((model._meta.label, where))
        return None


@pytest.fixture
def recording(settings):
    RecordingRouter.reads = []
    settings.DATABASE_ROUTERS = [f"{__name__}.RecordingRouter"]
    return RecordingRouter.reads


@pytest.mark.django_db
def test_compiled_statements_ask_the_routers(recording):
    rows = DETAIL.rows(slug="anything")
    assert rows == []
    assert recording == [("blog.Post", "no render")]


@pytest.mark.django_db
def test_public_api_reads_run_in_a_public_render_and_signed_in_ones_on_the_primary(
    blog, api, admin_client, one_replica, recording
):
    assert api.get("/api/v1/posts/").status_code == 200
    # The recording router decides nothing, so the render never chose a replica.
    assert recording
    assert all(alias is None for _, alias in recording)
    recording.clear()
    # Signed in (a session cookie): pinned to the primary before the first read.
    assert admin_client.get("/api/v1/posts/").status_code == 200
    assert {alias for _, alias in recording} == {DEFAULT_DB_ALIAS}
    recording.clear()
    assert admin_client.get("/admin/blog/post/").status_code == 200
    assert {alias for _, alias in recording} == {"no render"}
