"""The read-model cache: a value is used only at the tag it was built at, and the cache stays bounded."""

from bot.services.read_models import MISSING, ReadModelCache, cached


class Uow:
    def __init__(self):
        self.memo = {}


def test_a_value_is_used_only_at_its_tag():
    cache = ReadModelCache()
    cache.put(("coverage", 1), 7, "report at 7")
    assert cache.get(("coverage", 1), 7) == "report at 7"
    assert cache.get(("coverage", 1), 8) is MISSING  # the programme moved on: built again
    assert cache.get(("coverage", 2), 7) is MISSING


def test_the_least_recently_used_go_first():
    cache = ReadModelCache(size=2)
    cache.put("a", 1, "A")
    cache.put("b", 1, "B")
    assert cache.get("a", 1) == "A"  # now "b" is the least recently used
    cache.put("c", 1, "C")
    assert len(cache) == 2
    assert cache.get("b", 1) is MISSING and cache.get("a", 1) == "A" and cache.get("c", 1) == "C"


def test_cached_builds_once_per_tag_and_per_database():
    built = []
    one, other_database = Uow(), Uow()

    def build():
        built.append(1)
        return len(built)

    assert cached(one, "k", 1, build) == 1
    assert cached(one, "k", 1, build) == 1
    assert cached(one, "k", 2, build) == 2
    assert cached(other_database, "k", 2, build) == 3  # caches never mix databases
