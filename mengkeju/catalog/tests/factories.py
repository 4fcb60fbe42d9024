from decimal import Decimal

import factory

from mengkeju.catalog.models import Achievement, CooperationMode, Demand, Status
from mengkeju.network.models import ChainLink
from mengkeju.network.tests.factories import OrganizationFactory, division


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrganizationFactory)
    division = factory.LazyFunction(lambda: division("150200"))
    status = Status.PUBLISHED

    @factory.post_generation
    def chain_links(self, create, extracted, **kwargs):
        if create:
            codes = extracted or ["rare-earth.magnets"]
            self.chain_links.set(ChainLink.objects.filter(code__in=codes))


class AchievementFactory(ListingFactory):
    class Meta:
        model = Achievement
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"高矫顽力烧结钕铁硼磁体制备技术{n}")
    summary = "采用晶界扩散重稀土工艺，矫顽力提升至25 kOe以上，重稀土用量降低40%，适用于新能源汽车驱动电机。"
    field = "新材料-稀土永磁"
    trl = 6
    price_yuan = Decimal("500000.00")

    @factory.post_generation
    def transfer_modes(self, create, extracted, **kwargs):
        if create:
            self.transfer_modes.set(CooperationMode.objects.filter(code__in=extracted or ["transfer"]))


class DemandFactory(ListingFactory):
    class Meta:
        model = Demand
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"永磁电机退磁问题攻关{n}")
    problem = "我公司生产的永磁同步电机在高温工况下出现不可逆退磁，需提升磁体耐温性能，工作温度需达到180℃。"
    indicators = "工作温度≥180℃；不可逆磁通损失≤3%"
    budget_yuan = Decimal("800000.00")

    @factory.post_generation
    def cooperation_modes(self, create, extracted, **kwargs):
        if create:
            self.cooperation_modes.set(
                CooperationMode.objects.filter(code__in=extracted or ["commissioned_development"])
            )
