"""The storage unit of work implements the core's UnitOfWork protocol, method for method."""

import inspect

from sqlalchemy import create_engine

from bot import ports
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
