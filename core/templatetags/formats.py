"""Template filters for the product's one date format and one currency format (core.dates, core.money)."""
from django import template

from core.dates import date_text as _date_text
from core.dates import datetime_text as _datetime_text
from core.money import money_text as _money_text

register = template.Library()


@register.filter
def date_text(value):
    return _date_text(value)


@register.filter
def datetime_text(value):
    return _datetime_text(value)


@register.filter
def money(value):
    return _money_text(value)
