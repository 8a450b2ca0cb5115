"""factory_boy factories for the directory; other apps add theirs beside their tests."""
import factory

from accounts.models import Tenant, User, UserRole

PASSWORD = "Persona-Pass-2026"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    initial_domain = factory.Sequence(lambda n: f"tenant{n}.example")
    country = "US"
    billing_country = "US"
    billing_address = "1 Main Street\nSpringfield"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    upn = factory.LazyAttributeSequence(lambda o, n: f"user{n}@{o.tenant.initial_domain}")
    display_name = factory.Sequence(lambda n: f"User {n:04d}")
    usage_location = "US"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            UserRole.objects.bulk_create([UserRole(user=self, role=r) for r in extracted])
        if create:
            self.save()
