"""Explanations speak the domain: no filler words, domain terms first, structured evidence by code."""

from mengkeju.retrieval.embedding import HashingEmbedder
from mengkeju.retrieval.explain import explain, explains, filler_words
from mengkeju.retrieval.index import LocalIndex
from mengkeju.retrieval.interface import Boosts, Document

# The words the issue found shown as "共同关键词" on demo pages: none explains a match.
ISSUE_FILLER = ["只能", "时间", "直接", "均匀", "长期", "kw", "验证", "完成", "工程", "诊断"]


def test_the_filler_words_found_on_demo_pages_never_explain_a_match():
    for word in ISSUE_FILLER:
        assert not explains(word), word
    assert explains("钕铁硼") and explains("plc") and explains("晶界扩散")
    assert not explains("180") and not explains("2%") and not explains("ph")


def test_a_domain_term_explains_even_when_it_is_on_the_filler_list():
    assert "检测" in filler_words()
    assert explains("检测", domain={"检测"})


def test_shared_terms_leave_filler_out_and_put_domain_terms_first():
    doc = Document(id="1", title="钕铁硼磁体晶界扩散", body="完成工程验证，时间短，直接提高矫顽力。")
    query = ["钕铁硼", "完成", "工程", "验证", "时间", "直接", "矫顽力"]
    doc_tokens = ["钕铁硼", "磁体", "晶界", "扩散", "完成", "工程", "验证", "时间", "直接", "矫顽力"]
    out = explain(query, doc, doc_tokens, [], None, domain={"矫顽力"})
    assert out["shared_terms"] == ["矫顽力", "钕铁硼"]
    assert out["same"] == {"links": [], "chains": [], "division": None}


def test_common_terms_are_dropped_by_the_idf_floor_and_nothing_is_better_than_filler():
    doc = Document(id="1", title="设备改造", body="生产线改造。")
    share = {"改造": 0.3, "生产线": 0.2}
    out = explain(["改造", "生产线"], doc, ["改造", "生产线"], [], None, share=share, documents=1000)
    assert out["shared_terms"] == []  # both are in a fifth or more of the documents


def test_the_index_reports_the_links_chains_and_division_both_sides_share():
    index = LocalIndex(HashingEmbedder(dim=64))
    index.upsert(
        [
            Document(
                id="a",
                title="永磁电机",
                body="稀土永磁同步电机",
                chain_links=["rare-earth.applications"],
                division="150200",
            ),
            Document(
                id="b",
                title="永磁材料",
                body="稀土永磁体",
                chain_links=["rare-earth.magnets"],
                division="150100",
            ),
            Document(
                id="c", title="永磁奶牛", body="乳业永磁", chain_links=["dairy.byproducts"], division="150200"
            ),
        ]
    )
    boosts = Boosts(chains={"rare-earth"}, divisions={"150200"}, links={"rare-earth.applications"})
    same = {r.id: r.explanation["same"] for r in index.search("永磁电机", k=3, boosts=boosts)}
    assert same["a"] == {"links": ["rare-earth.applications"], "chains": [], "division": "150200"}
    assert same["b"] == {"links": [], "chains": ["rare-earth"], "division": None}
    assert same["c"] == {"links": [], "chains": [], "division": "150200"}
