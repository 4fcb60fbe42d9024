import pytest

from mengkeju.retrieval.index import LocalIndex
from mengkeju.retrieval.passages import PassageStrategy

from .test_engine import DOCS, FakeEmbedder


@pytest.fixture
def index():
    """The four sample documents, indexed with the fake embedder, every text as one passage."""
    idx = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    idx.upsert(DOCS)
    return idx
