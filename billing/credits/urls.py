"""Pages of Communications Credits, under Billing."""
from django.urls import path

from .views import credits, payment_methods

app_name = "billing"

urlpatterns = [
    path("billing/credits/", credits.credits_overview, name="credits"),
    path("billing/credits/add-funds/", credits.add_funds, name="credits_add_funds"),
    path("billing/credits/auto-recharge/", credits.auto_recharge, name="credits_auto_recharge"),
    path("billing/credits/transactions/", credits.transactions, name="credits_transactions"),
    path("billing/payment-methods/", payment_methods.payment_methods, name="payment_methods"),
    path("billing/payment-methods/add/", payment_methods.add_payment_method, name="payment_method_add"),
    path("billing/payment-methods/<uuid:method_id>/replace/", payment_methods.replace_payment_method,
         name="payment_method_replace"),
    path("billing/payment-methods/<uuid:method_id>/edit/", payment_methods.edit_payment_method,
         name="payment_method_edit"),
    path("billing/payment-methods/<uuid:method_id>/delete/", payment_methods.delete_payment_method,
         name="payment_method_delete"),
]
