from django.apps import AppConfig


class RatingConfig(AppConfig):
    name = "billing.rating"
    label = "rating"
    verbose_name = "Rating and charging"
