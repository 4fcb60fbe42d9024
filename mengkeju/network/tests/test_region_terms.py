"""terms.yaml, the optional synonym dictionary of the matching engine: checked, loaded with the region,
and used on both sides of a search (a listing that says 锂离子电池 is found by 锂电, PLC finds 可编程控制器)."""

import shutil
from pathlib import Path

import pytest
import yaml

from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.matching import adapter
from mengkeju.network.models import Region
from mengkeju.network.region_pack import RegionPackError, read_region_pack
from mengkeju.network.services import load_region_pack
from mengkeju.retrieval import text

REGION_DIR = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_leftover_synonyms():
    yield
    text.set_synonyms([])  # the dictionary is process-wide: leave none to other tests


def _pack(tmp_path, synonyms) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    path = pack / "terms.yaml"
    if synonyms is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(yaml.safe_dump({"schema_version": 1, "synonyms": synonyms}, allow_unicode=True))
    return pack


def test_the_example_dictionary_is_valid_and_a_pack_may_carry_it(tmp_path):
    example = yaml.safe_load((REGION_DIR / "terms.example.yaml").read_text(encoding="utf-8"))["synonyms"]
    assert read_region_pack(REGION_DIR).synonyms is None  # not active in the shipped pack (see the file)
    groups = read_region_pack(_pack(tmp_path, example)).synonyms
    assert ["锂离子电池", "锂电池", "锂电"] in groups and [
        "可编程控制器",
        "plc",
        "可编程逻辑控制器",
    ] in groups
    assert len(groups) > 50


@pytest.mark.parametrize(
    "synonyms, where",
    [
        ([["锂离子电池", "锂电"], ["锂电", "锂电芯"]], "synonyms[1][0]"),  # one name, two concepts
        ([["锂离子电池"]], "synonyms[0]"),  # a group of one says nothing
        ([["锂离子 电池", "锂电"]], "synonyms[0][0]"),  # no spaces
    ],
)
def test_a_bad_dictionary_is_refused_and_nothing_is_loaded(tmp_path, synonyms, where):
    before = Region.objects.get().synonyms
    with pytest.raises(RegionPackError) as raised:
        load_region_pack(_pack(tmp_path, synonyms))
    assert any(p.file == "terms.yaml" and p.path.startswith(where) for p in raised.value.problems)
    assert Region.objects.get().synonyms == before


def test_loading_the_region_stores_the_dictionary_and_a_pack_without_one_clears_it(tmp_path):
    load_region_pack(_pack(tmp_path / "a", [["可编程控制器", "plc"]]))
    assert Region.objects.get().synonyms == [["可编程控制器", "plc"]]
    load_region_pack(_pack(tmp_path / "b", None))
    assert Region.objects.get().synonyms == []


def test_an_abbreviation_finds_the_full_name_and_back(tmp_path):
    load_region_pack(_pack(tmp_path, [["锂离子电池", "锂电池", "锂电"], ["可编程控制器", "plc"]]))
    battery = AchievementFactory(title="高安全锂离子电池隔膜涂覆工艺", summary="陶瓷涂覆隔膜，热收缩率低。")
    control = AchievementFactory(title="PLC 灌溉泵站远程控制", summary="泵站无人值守，手机远程启停。")
    adapter.store.reset()  # a new process: it reads the region's dictionary
    assert [r.id for r in adapter.store.search("achievement", "锂电 隔膜", k=3, strict=True)] == [
        str(battery.pk)
    ]
    found = adapter.store.search("achievement", "可编程控制器 泵站", k=3, strict=True)
    assert [r.id for r in found] == [str(control.pk)]
    assert "可编程控制器" in found[0].explanation["shared_terms"]  # the reason names the concept
