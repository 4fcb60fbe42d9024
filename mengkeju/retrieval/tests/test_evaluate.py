"""`mengkeju eval-matching` on a small judged set with the real model: any corpus in the format works,
the last line is the JSON the evaluation reads, and bad files stop with the line that is wrong."""

import json

import pytest

from mengkeju.retrieval.evaluate import main

CORPUS = [
    {
        "id": 1,
        "name": "晶界扩散低重稀土钕铁硼永磁体",
        "text": "采用镝铽晶界扩散，矫顽力达到25 kOe，重稀土用量降低40%。",
    },
    {"id": "A2", "name": "乳清蛋白陶瓷膜分离浓缩工艺", "text": "陶瓷膜与纳滤两级浓缩，乳清蛋白回收率92%。"},
    {"id": "A3", "name": "苜蓿种子丸粒化包衣技术", "text": "包衣后发芽率≥90%，适用于干旱草原补播。"},
    {"id": "A4", "name": "永磁同步电机高温退磁防护", "text": None},
    {"id": "A5", "name": "煤化工高盐废水分盐结晶", "text": "纳滤分盐与蒸发结晶，氯化钠纯度98.5%。"},
]
QUERIES = [
    {"id": "Q1", "name": "提高钕铁硼磁体矫顽力", "text": "需要减少重稀土用量的永磁体制备技术。"},
    {"id": "Q2", "text": "乳制品企业希望回收乳清中的蛋白。"},  # no title
    {"id": "Q3", "name": "没有相关成果的需求", "text": "只有 0 级判断。"},
]
QRELS = "Q1 0 1 2\nQ1 0 A4 1\nQ2 0 A2 2\nQ3 0 A3 0\nQ9 0 A3 2\nQ1 0 GONE 1\n"


def write(tmp_path, corpus=CORPUS, queries=QUERIES, qrels=QRELS):
    (tmp_path / "corpus.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in corpus) + "\n\n"
    )
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in queries))
    (tmp_path / "qrels.tsv").write_text(qrels)
    return [
        "--corpus", str(tmp_path / "corpus.jsonl"),
        "--queries", str(tmp_path / "queries.jsonl"),
        "--qrels", str(tmp_path / "qrels.tsv"),
        "--cache", str(tmp_path / "cache"),
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("live", [False, True])
def test_the_last_line_holds_every_metric_for_every_method(tmp_path, capsys, live):
    assert main(write(tmp_path) + (["--live-queries"] if live else [])) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result) == {"bm25", "dense", "hybrid"}
    for scores in result.values():
        assert set(scores) == {"ndcg@10", "recall@50", "mrr@10"}
        assert all(0.0 <= v <= 1.0 for v in scores.values())
    # Two asked queries have a relevant document, each found at rank 1; Q9 (judged, never asked) is left
    # out rather than counted as a miss.
    assert result["hybrid"]["mrr@10"] == 1.0 and result["bm25"]["mrr@10"] == 1.0
    summary = next(line for line in lines if line.startswith("qrels:"))
    assert "4 queries judged, 3 with a relevant document" in summary
    assert (
        "1 of those not in the queries file" in summary
        and "1 relevant documents not in the corpus" in summary
    )


def test_bad_files_stop_with_the_line_at_fault(tmp_path):
    args = write(tmp_path, qrels="Q1 0 1\n")
    with pytest.raises(SystemExit, match=r"qrels.tsv:1: expected 'QUERY_ID 0 DOC_ID GRADE'"):
        main(args)
    (tmp_path / "corpus.jsonl").write_text('{"id": "A1", "name": "x"}\n{broken\n')
    with pytest.raises(SystemExit, match=r"corpus.jsonl:2: not valid JSON"):
        main(args)
    with pytest.raises(SystemExit, match="no query has a relevant document"):
        main(write(tmp_path, qrels="Q1 0 1 0\n"))
    with pytest.raises(SystemExit, match=r"missing\.jsonl"):
        main([*args[:1], str(tmp_path / "missing.jsonl"), *args[2:]])


def test_classification_sections_become_chains_shared_by_both_sides():
    from mengkeju.retrieval.evaluate import Sections

    sections = Sections()
    achievement = {"classification": "制造业——计算机、通信和其他电子设备制造"}
    demand = {"classification": "制造业"}
    assert sections.chains(achievement) == sections.chains(demand) == ["k0"]
    assert sections.links(achievement) == ["k0.section"]
    assert sections.chains({"classification": "农、林、牧、渔业"}) == ["k1"]
    assert sections.chains({}) == [] and sections.links({"classification": ""}) == []
