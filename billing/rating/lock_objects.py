"""Row locks of Rating and charging, in one place so every writer takes them in the same order."""
from .models import RateDeckGeneration


def deck_generation_for_update():
    """Locks the generation row: imports run one at a time, so their duplicate checks and version order hold."""
    generation = RateDeckGeneration.objects.select_for_update().filter(pk=RateDeckGeneration.SINGLETON_ID).first()
    if generation is None:  # only a database emptied after migrating (flushed test databases) lacks it
        generation = RateDeckGeneration.objects.create(pk=RateDeckGeneration.SINGLETON_ID)
    return generation
