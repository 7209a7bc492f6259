"""The storage unit of work implements the core's UnitOfWork protocol, method for method, and
the one way units of work are used: opened once per transaction, never while open."""

import inspect

import pytest
from sqlalchemy import create_engine

from bot import ports
from bot.context import Actor
from bot.services.container import Services
from handlers.commands.subcommand import CommandRequest
from storage import uow as storage_uow


def _methods(cls) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(fn).parameters)
        for name, fn in vars(cls).items()
        if callable(fn) and not name.startswith("_")
    }


def test_every_repository_of_the_protocol_is_implemented_with_the_same_signatures():
    repositories = ports.UnitOfWork.__annotations__
    assert repositories, "the protocol names its repositories"
    for attribute, protocol_name in repositories.items():
        protocol = getattr(ports, protocol_name)
        implementation = getattr(storage_uow, protocol_name)
        assert _methods(protocol) == _methods(implementation), attribute


def test_the_storage_unit_of_work_opens_each_repository_as_a_plain_attribute():
    factory = storage_uow.UnitOfWorkFactory(create_engine("sqlite://"))
    with factory() as uow:
        for attribute, protocol_name in ports.UnitOfWork.__annotations__.items():
            assert type(vars(uow)[attribute]).__name__ == protocol_name
    assert not hasattr(storage_uow.UnitOfWork, "__getattr__")


def test_a_unit_of_work_opens_again_once_closed_but_never_while_open():
    uow = storage_uow.UnitOfWorkFactory(create_engine("sqlite://"))()
    with uow:
        first = uow.session
    with uow:  # a second transaction, one after the other
        assert uow.session is not None and uow.session is not first
        with pytest.raises(RuntimeError, match="already open"):
            with uow:
                pass
        assert uow.session is not None  # the refusal left the open transaction alone
    with pytest.raises(RuntimeError, match="inside `with uow:` only"):
        uow.session  # noqa: B018 (closed: no session to use by mistake)


def test_a_command_request_has_one_unit_of_work_for_the_whole_request():
    made = []
    services = Services(settings=None, new_uow=lambda: made.append(object()) or made[-1])
    req = CommandRequest(Actor("T1", "U1"), "C1", "", services, out=None)
    assert req.uow is req.uow and made == [req.uow]
    other = CommandRequest(Actor("T1", "U1"), "C1", "", services, out=None)
    assert other.uow is not req.uow
