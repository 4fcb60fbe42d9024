"""`mengkeju backup` / `mengkeju restore`: a round trip gives back the same rows, files and search
results; a damaged archive changes nothing; an empty database takes a restore."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection

from mengkeju.catalog import services as catalog
from mengkeju.catalog.models import Achievement, Action, Attachment, CooperationMode
from mengkeju.matching import adapter
from mengkeju.network.models import ChainLink, Division, User
from mengkeju.ops import services

pytestmark = pytest.mark.django_db(transaction=True)
QUERY = "稀土永磁 电机"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def catalogue(base_data, media, people, orgs):
    """Three published achievements (one with an uploaded file) and a draft, made through the services."""
    links = list(ChainLink.objects.filter(code="rare-earth.magnets"))
    modes = list(CooperationMode.objects.filter(code="transfer"))
    texts = [
        ("高矫顽力烧结钕铁硼磁体制备技术", "晶界扩散重稀土工艺，适用于新能源汽车驱动电机的稀土永磁材料。"),
        ("稀土永磁电机高效控制系统", "面向风电与工业电机的永磁同步电机控制算法，节能百分之十五。"),
        ("钐钴高温永磁体", "工作温度三百五十摄氏度的稀土永磁体，用于航空航天电机。"),
        ("草原牧草青贮技术", "提高青贮饲料品质的乳酸菌发酵工艺。"),
    ]
    made = []
    for title, summary in texts:
        made.append(
            catalog.create_listing(
                Achievement,
                by=people["owner"],
                owner=orgs["enterprise"],
                chain_links=links,
                modes=modes,
                title=title,
                summary=summary,
                field="新材料",
                trl=6,
                division=Division.objects.get(code="150200"),
            )
        )
    catalog.add_attachment(
        made[0],
        upload=SimpleUploadedFile("检测报告.pdf", b"%PDF-1.4 magnet test report"),
        title="检测报告",
        by=people["owner"],
    )
    for listing in made:
        catalog.transition(listing, Action.SUBMIT, by=people["owner"])
    for listing in made[:3]:
        catalog.transition(listing, Action.PUBLISH, by=people["staff_in_scope"])
    return made


def snapshot():
    """What a restore must give back: rows, statuses, files, search results."""
    adapter.store.reset()  # a fresh store reads the index from disk
    return {
        "achievements": sorted(Achievement.objects.values_list("pk", "title", "status")),
        "users": sorted(User.objects.values_list("pk", "username", "password")),
        "files": sorted((a.file.name, a.file.read()) for a in Attachment.objects.all()),
        "search": [(obj.pk, obj.title, round(r.score, 6)) for obj, r in adapter.search("achievement", QUERY)],
    }


def test_round_trip_into_the_same_database(catalogue, people, tmp_path, settings):
    before = snapshot()
    assert len(before["search"]) == 3 and before["files"]
    archive = tmp_path / "backups" / "b.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    manifest = json.loads(tarfile.open(archive).extractfile("backup.json").read())
    assert manifest["counts"]["catalog.achievement"] == 4
    assert "contenttypes.contenttype" not in manifest["counts"]
    members = set(manifest["members"])
    generation = manifest["index"]["achievement"]
    assert {
        "database/data.jsonl",
        "index/achievement/CURRENT",
        f"index/achievement/{generation}/manifest.json",
    } <= members
    assert any(name.startswith("media/attachments/") for name in members)
    assert any(name.startswith("embedding-cache/") for name in members)
    assert not any("sqlite3" in name for name in members)

    # Changes after the backup: records edited and withdrawn, the file and its row deleted, a new user.
    first, second, third = catalogue[:3]
    Achievement.objects.filter(pk=first.pk).update(title="改过的标题")
    catalog.transition(second, Action.WITHDRAW, by=people["owner"], reason="不再转让")
    attachment = Attachment.objects.get()
    attachment.file.delete()
    attachment.delete()
    Achievement.objects.filter(pk=third.pk).update(summary="改写的摘要")
    User.objects.create_user("after-backup", password="x" * 12)
    assert snapshot() != before

    out = io.StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)
    assert snapshot() == before
    assert "catalog.achievement: 4 / 4" in out.getvalue()
    # New rows get fresh ids (sequences reset past the restored ones).
    newest = max(pk for pk, _t, _s in before["achievements"])
    assert User.objects.create_user("new-after-restore", password="y" * 12).pk > max(
        pk for pk, _u, _p in before["users"]
    )
    assert (
        Achievement.objects.create(
            owner=first.owner, division=first.division, title="新成果", summary="s", field="f", trl=6
        ).pk
        > newest
    )


def _flip_a_byte(archive: Path, member: str) -> Path:
    """The archive with one byte of `member`'s content changed."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    data = bytearray(archive.read_bytes())
    data[offset + 5] ^= 0xFF
    damaged = archive.with_name("damaged.tar")
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.mark.parametrize("member", ["database/data.jsonl", "media"])
def test_a_damaged_archive_is_refused_and_changes_nothing(catalogue, tmp_path, media, member):
    archive = tmp_path / "b.tar"
    services.backup(archive, progress=lambda line: None)
    if member == "media":
        member = next(n for n in tarfile.open(archive).getnames() if n.startswith("media/"))
    damaged = _flip_a_byte(archive, member)
    Achievement.objects.filter(pk=catalogue[0].pk).update(title="备份之后改的")
    before = snapshot()
    files_before = sorted(p.relative_to(media) for p in media.rglob("*"))
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(damaged), "--yes", stdout=io.StringIO())
    assert member in str(exc.value) and "已损坏" in str(exc.value)
    assert snapshot() == before
    assert sorted(p.relative_to(media) for p in media.rglob("*")) == files_before
    assert not list(media.parent.glob(".media.*"))  # nothing left staged beside it


def test_a_truncated_archive_is_refused(catalogue, tmp_path):
    archive = tmp_path / "b.tar.gz"
    services.backup(archive, progress=lambda line: None)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(services.BackupError):
        services.verify(cut)


def test_restore_into_an_empty_migrated_database(catalogue, tmp_path, settings):
    before = snapshot()
    archive = tmp_path / "b.tar"
    services.backup(archive, progress=lambda line: None)
    # An empty, migrated database and a new var folder: no rows, no files, no index.
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
    settings.MEDIA_ROOT = tmp_path / "new" / "media"
    settings.MATCHING_INDEX_DIR = tmp_path / "new" / "index"
    settings.MATCHING_CACHE_DIR = tmp_path / "new" / "cache"
    assert not Achievement.objects.exists()

    counts = services.restore(archive, progress=lambda line: None)

    assert counts["catalog.achievement"] == 4
    assert snapshot() == before
    assert (settings.MATCHING_INDEX_DIR / "achievement" / "CURRENT").is_file()


def test_a_failed_load_rolls_everything_back(catalogue, tmp_path, settings, monkeypatch):
    archive = tmp_path / "b.tar"
    services.backup(archive, progress=lambda line: None)
    Achievement.objects.filter(pk=catalogue[0].pk).update(title="备份之后改的")
    before = snapshot()
    index_before = (settings.MATCHING_INDEX_DIR / "achievement" / "CURRENT").read_text()

    def broken_swap(self):
        raise OSError("disk full")

    # The last file swap fails after the rows were replaced and the other files swapped in.
    monkeypatch.setattr(services._IndexSwap, "apply", broken_swap)
    with pytest.raises(OSError):
        services.restore(archive, progress=lambda line: None)
    assert snapshot() == before
    assert (settings.MATCHING_INDEX_DIR / "achievement" / "CURRENT").read_text() == index_before
    assert sorted(p.name for p in settings.MEDIA_ROOT.parent.iterdir() if p.name.startswith(".")) == []
