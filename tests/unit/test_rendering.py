"""Templates are compiled once per process, not on every render."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot import rendering


@pytest.fixture
def fresh_environment(monkeypatch):
    """A new process's environment, with its compiler counted."""
    rendering.environment.cache_clear()
    env = rendering.environment()
    compiled: list[str] = []
    real_compile = env.compile

    def counting_compile(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real_compile(source, name, filename, raw, defer_init)

    monkeypatch.setattr(env, "compile", counting_compile)
    yield env, compiled
    rendering.environment.cache_clear()


def test_each_template_is_compiled_once_and_its_file_not_checked_again(
    fresh_environment, monkeypatch
):
    env, compiled = fresh_environment
    d = SimpleNamespace(programme="Hillingdon CCG")
    first = rendering.render("digest/title.j2", d=d)
    # Without auto_reload the loader's "is it up to date?" check is never called again.
    template = env.get_template("digest/title.j2")
    monkeypatch.setattr(
        template, "_uptodate", lambda: pytest.fail("the template's file was checked on a render")
    )
    second = rendering.render("digest/title.j2", d=SimpleNamespace(programme="Brent CCG"))
    assert (first, second) == ("Weekly digest: Hillingdon CCG", "Weekly digest: Brent CCG")
    assert compiled == ["digest/title.j2"]
    assert env.auto_reload is False


def test_every_message_template_is_compiled_once_over_two_passes(fresh_environment):
    env, compiled = fresh_environment
    names = env.list_templates(filter_func=lambda name: name.startswith("digest/"))
    assert len(names) > 10
    for name in names:
        env.get_template(name)
    for name in names:
        env.get_template(name)
    assert sorted(compiled) == sorted(names)  # each once, the second pass from the cache
