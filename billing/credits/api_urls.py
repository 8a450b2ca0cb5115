"""/api/v1/ routes of Communications Credits (mounted by config/urls.py)."""
from django.urls import path

from . import api, api_advice

urlpatterns = [
    path("credits", api.CreditsView.as_view(), name="api-credits"),
    path("credits/auto-recharge", api.AutoRechargeView.as_view(), name="api-credits-auto-recharge"),
    path("credits/funds", api.FundsView.as_view(), name="api-credits-funds"),
    path("credits/recharge-advice", api_advice.RechargeAdviceView.as_view(), name="api-credits-recharge-advice"),
    path("credits/transactions", api.TransactionsView.as_view(), name="api-credits-transactions"),
    path("payment-methods", api.PaymentMethodsView.as_view(), name="api-payment-methods"),
    path("payment-methods/<str:method_id>", api.PaymentMethodView.as_view(), name="api-payment-method"),
]
