"""What the benchmark scripts share: pointing Django at a bench database before it starts."""
import os


def django_setup(*, database_url, database_name, **environment):
    """Sets the database (and any further environment) for the test settings, then starts Django."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["TEST_DATABASE_NAME"] = database_name
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
