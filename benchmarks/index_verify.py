"""What a self-checking index costs: save, verify and load times of a saved `LocalIndex` (issue 12).

    .venv/bin/python benchmarks/index_verify.py 3000 100000 [--dim 384] [--repeat 3]

Synthetic records (titles and bodies of random phrases from a small technical vocabulary, ≈ 80
characters, one passage each) with random unit vectors of `--dim` dimensions (384: the e5-small
model), so the files have the sizes of a real index of that many records. Each size: build, save
(files hashed as they are written), then `verify()` (every file re-read and hashed, 1 MiB at a time)
and `load()` (which verifies, then memory-maps) against reading the same generation without the check.
Times are the median of `--repeat` runs with the files in the page cache (a server loads right after
a save, or reloads a generation another worker just wrote); a cold read adds the disk's read time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mengkeju.retrieval.index import Document, LocalIndex  # noqa: E402
from mengkeju.retrieval.passages import PassageStrategy  # noqa: E402
from mengkeju.retrieval.persistence import MANIFEST, _parse_manifest  # noqa: E402

WORDS = (
    "稀土 永磁 钕铁硼 晶界扩散 矫顽力 乳清蛋白 陶瓷膜 纳滤 浓缩 苜蓿 种子 包衣 发芽率 羊绒 分梳 风电 叶片 光伏 "
    "储能 电池 正极 材料 煤化工 甲醇 烯烃 催化剂 氢能 电解槽 马铃薯 淀粉 废水 回收 草原 补播 牧草 青贮 发酵 "
    "饲料 疫苗 兽药 冶金 硅铁 铝合金 镁合金 石墨烯 碳纤维 复合材料 传感器 物联网 遥感 无人机 节水 灌溉 盐碱地"
).split()


class RandomEmbedder:
    model_id = "random-unit-vectors"

    def __init__(self, dim: int):
        self.dim, self.rng = dim, np.random.default_rng(7)

    def passages(self, texts):
        vectors = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def query(self, text):
        return self.passages([text])[0]


def synthetic(size: int) -> list[Document]:
    rng = np.random.default_rng(size)
    picks = rng.integers(0, len(WORDS), size=(size, 24))
    return [
        Document(f"d{i}", "".join(WORDS[j] for j in row[:4]), "，".join(WORDS[j] for j in row[4:]) + "。")
        for i, row in enumerate(picks)
    ]


def median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(size: int, dim: int, repeat: int) -> None:
    embedder = RandomEmbedder(dim)
    index = LocalIndex(embedder, strategy=PassageStrategy("full"))
    start = time.perf_counter()
    index.upsert(synthetic(size))
    index.fit_lexical()
    built = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "idx"
        index.save(folder)  # warm-up (first save writes into an empty folder)
        save_ms = median_ms(lambda: index.save(folder), repeat)
        generation = LocalIndex.current_generation(folder)
        files = list((folder / generation).iterdir())
        mib = sum(p.stat().st_size for p in files) / 2**20
        vectors_mib = (folder / generation / "vectors.npy").stat().st_size / 2**20
        assert LocalIndex.verify(folder) == []
        verify_ms = median_ms(lambda: LocalIndex.verify(folder), repeat)
        load_ms = median_ms(lambda: LocalIndex.load(folder, embedder), repeat)

        def unchecked():
            manifest, _ = _parse_manifest((folder / generation / MANIFEST).read_bytes())
            return LocalIndex._open(folder, generation, manifest, embedder, {})

        unchecked_ms = median_ms(unchecked, repeat)
    print(
        f"{size:>8} records: {len(files)} files, {mib:8.1f} MiB (vectors {vectors_mib:.1f}); built in {built:.1f} s; "
        f"save {save_ms:8.1f} ms; verify {verify_ms:8.1f} ms; load {load_ms:8.1f} ms "
        f"= unchecked {unchecked_ms:8.1f} ms + {load_ms - unchecked_ms:8.1f} ms checking "
        f"({mib / (verify_ms / 1000):.0f} MiB/s)",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.dim, args.repeat)


if __name__ == "__main__":
    main()
