import factory

from mengkeju.network.models import Division, Organization, User


def division(code: str) -> Division:
    return Division.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"test-org-{n}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Organization.Kind.ENTERPRISE
    division = factory.LazyFunction(lambda: division("150200"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.MEMBER
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()
