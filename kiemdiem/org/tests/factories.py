"""factory_boy factories for the organization tree (go through the services, so paths are set)."""

import datetime
import itertools

import factory

from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Person, Unit, UnitKind

_codes = itertools.count(1)


class UnitFactory(factory.Factory):
    class Meta:
        model = Unit

    code = factory.LazyFunction(lambda: f"U{next(_codes):05d}")
    name = factory.Sequence(lambda n: f"Đơn vị thử {n}")
    kind = UnitKind.GRASSROOTS_COMMITTEE
    parent = None
    valid_from = datetime.date(2025, 7, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.unit_create(by=SYSTEM, **kwargs)


class PersonFactory(factory.Factory):
    class Meta:
        model = Person

    full_name = factory.Iterator(
        ["Nguyễn Văn Đức", "Trần Thị Hương", "Lê Minh Anh", "Phạm Quang Ước", "Hoàng Thị Ánh"]
    )
    birth_date = datetime.date(1980, 5, 17)
    gender = "male"
    party_card_number = factory.Sequence(lambda n: f"{90000000 + n}")
    admission_date = datetime.date(2005, 3, 2)
    official_date = datetime.date(2006, 3, 2)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.person_create(by=SYSTEM, **kwargs)
