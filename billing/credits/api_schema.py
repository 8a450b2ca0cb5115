"""Shapes of the credits API: the bodies it reads (for the schema) and the answers it writes (output serializers
the views render with, which drf-spectacular also reads), so /api/docs/ describes every body and answer."""
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, inline_serializer
from rest_framework import serializers

from core.serializers import answer, collection

MONEY_HELP = "US dollars as a string with two decimals, e.g. \"100.00\""

GRAPH_ERROR = inline_serializer("CreditsError", {"error": inline_serializer("CreditsErrorBody", {
    "code": serializers.CharField(), "message": serializers.CharField(help_text="Names the field at fault first.")})})

MODE = serializers.ChoiceField(choices=["fixedAmount", "topUpToTarget"],
                               help_text="fixedAmount: add rechargeAmount; topUpToTarget: add what brings the balance "
                                         "up to targetBalance (whole dollars, rounded up).")

AUTO_RECHARGE = answer("AutoRecharge", {
    "enabled": serializers.BooleanField(),
    "mode": MODE,
    "triggerAmount": serializers.CharField(allow_null=True, help_text=MONEY_HELP),
    "rechargeAmount": serializers.CharField(allow_null=True, help_text=MONEY_HELP),
    "targetBalance": serializers.CharField(allow_null=True, help_text=MONEY_HELP),
    "monthlyCap": serializers.CharField(allow_null=True, help_text="At most this much auto-recharge a calendar month "
                                                                   "(UTC); null: no limit."),
    "paymentMethodId": serializers.UUIDField(allow_null=True),
    "paused": serializers.BooleanField(help_text="Set after repeated failed recharges; saving the settings resumes."),
    "consecutiveFailures": serializers.IntegerField(),
    "capPausedUntil": serializers.DateTimeField(allow_null=True, help_text="The monthly cap stopped a recharge; "
                                                                           "auto-recharge resumes at this time."),
})

AUTO_RECHARGE_UPDATE = inline_serializer("AutoRechargeUpdate", {
    "enabled": serializers.BooleanField(),
    "mode": MODE,
    "triggerAmount": serializers.IntegerField(min_value=50, help_text="When balance is below: whole dollars, 50 or more."),
    "rechargeAmount": serializers.IntegerField(min_value=50, help_text="Add this amount (fixedAmount): whole dollars, "
                                                                        "50 or more."),
    "targetBalance": serializers.IntegerField(required=False, help_text="Top up to (topUpToTarget): whole dollars, at "
                                                                         "least 50 above triggerAmount."),
    "monthlyCap": serializers.IntegerField(required=False, allow_null=True, help_text="Whole dollars, at least one "
                                                                                       "recharge; null: no limit."),
    "paymentMethodId": serializers.UUIDField(required=False),
})

LOT = answer("CreditLot", {
    "id": serializers.IntegerField(), "amount": serializers.CharField(help_text=MONEY_HELP),
    "remaining": serializers.CharField(help_text=MONEY_HELP), "purchasedDateTime": serializers.DateTimeField(),
    "expiresDateTime": serializers.DateTimeField(), "status": serializers.CharField(),
})

CREDITS = answer("Credits", {
    "balance": serializers.CharField(help_text=MONEY_HELP), "currency": serializers.CharField(),
    "availableBalance": serializers.CharField(help_text="The balance less reservations for calls in progress."),
    "reservedAmount": serializers.CharField(help_text=MONEY_HELP), "status": serializers.CharField(),
    "autoRecharge": AUTO_RECHARGE(), "lots": serializers.ListField(child=LOT()),
})

PAYMENT_METHOD = answer("PaymentMethod", {
    "id": serializers.UUIDField(), "type": serializers.ChoiceField(choices=["card", "invoice"]),
    "displayName": serializers.CharField(), "status": serializers.ChoiceField(choices=["active", "expired"]),
    "createdDateTime": serializers.DateTimeField(), "brand": serializers.CharField(required=False),
    "last4": serializers.CharField(required=False), "expMonth": serializers.IntegerField(required=False),
    "expYear": serializers.IntegerField(required=False), "holderName": serializers.CharField(required=False),
    "agreementNumber": serializers.CharField(required=False), "poNumber": serializers.CharField(required=False),
})

PAYMENT_METHOD_CREATE = inline_serializer("PaymentMethodCreate", {
    "type": serializers.ChoiceField(choices=["card", "invoice"]),
    "number": serializers.CharField(required=False, help_text="Card number; sent to the gateway, never stored."),
    "expMonth": serializers.IntegerField(required=False), "expYear": serializers.IntegerField(required=False),
    "holderName": serializers.CharField(required=False), "cvc": serializers.CharField(required=False),
    "agreementNumber": serializers.CharField(required=False), "poNumber": serializers.CharField(required=False),
})

FUNDS = inline_serializer("AddFunds", {
    "amount": serializers.IntegerField(min_value=1, help_text="Whole dollars."),
    "paymentMethodId": serializers.UUIDField(),
})

PURCHASE = answer("CreditPurchase", {
    "id": serializers.IntegerField(), "type": serializers.CharField(), "amount": serializers.CharField(help_text=MONEY_HELP),
    "currency": serializers.CharField(), "paymentMethodId": serializers.UUIDField(),
    "paymentMethod": serializers.CharField(), "poNumber": serializers.CharField(),
    "createdDateTime": serializers.DateTimeField(), "ledgerEntryId": serializers.IntegerField(),
    "balanceAfter": serializers.CharField(help_text=MONEY_HELP), "expiresDateTime": serializers.DateTimeField(),
})

TRANSACTION = answer("CreditTransaction", {
    "id": serializers.IntegerField(), "type": serializers.CharField(), "displayType": serializers.CharField(),
    "amount": serializers.CharField(help_text="Signed: credits positive, debits negative."),
    "balanceAfter": serializers.CharField(help_text=MONEY_HELP), "callId": serializers.CharField(allow_null=True),
    "purchaseId": serializers.IntegerField(allow_null=True), "reference": serializers.CharField(allow_null=True),
    "description": serializers.CharField(), "actor": serializers.CharField(), "createdDateTime": serializers.DateTimeField(),
})

PAYMENT_METHOD_LIST = collection("PaymentMethodList", PAYMENT_METHOD(), next_link=False)
TRANSACTION_LIST = collection("CreditTransactionList", TRANSACTION())

IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", location=OpenApiParameter.HEADER, required=True,
                                   description="The same key and body answers with the first result; the same key "
                                               "with another body is a 409.")
TRANSACTION_PARAMETERS = [
    OpenApiParameter("type", description="purchase, recharge, call_charge, toll_free_charge, expiry, refund or adjustment"),
    OpenApiParameter("fromDateTime", description="ISO 8601, inclusive"),
    OpenApiParameter("toDateTime", description="ISO 8601, exclusive"),
    OpenApiParameter("$top", int, description="Page size, 1 to 1000 (default 100)"),
    OpenApiParameter("$skiptoken", description="From @odata.nextLink"),
]
FUNDS_EXAMPLE = OpenApiExample("Add $100 with a card",
                               value={"amount": 100, "paymentMethodId": "3fa85f64-5717-4562-b3fc-2c963f66afa6"})
CARD_EXAMPLE = OpenApiExample("Test Visa", value={"type": "card", "number": "4242 4242 4242 4242", "expMonth": 12,
                                                  "expYear": 2030, "holderName": "Bianca Billing"})

PLAN_OUTCOME = answer("RechargePlanOutcome", {
    "plan": serializers.ChoiceField(choices=["current", "recommended", "fundingTable"]),
    "label": serializers.CharField(),
    "autoRecharge": answer("RechargePlanSettings", {
        "mode": MODE, "triggerAmount": serializers.CharField(help_text=MONEY_HELP),
        "rechargeAmount": serializers.CharField(allow_null=True, help_text=MONEY_HELP),
        "targetBalance": serializers.CharField(allow_null=True, help_text=MONEY_HELP),
        "monthlyCap": serializers.CharField(allow_null=True, help_text=MONEY_HELP)})(allow_null=True),
    "oneTimeAmount": serializers.CharField(help_text=MONEY_HELP),
    "recharges": serializers.IntegerField(help_text="Auto-recharges in the next 12 months."),
    "charged": serializers.CharField(help_text="Charged to the payment method: the one-time amount and recharges."),
    "forfeited": serializers.CharField(help_text="Money that expires unused: in the 12 months, and of what is held at "
                                                 "their end, later."),
    "lowestBalance": serializers.CharField(help_text=MONEY_HELP),
    "unpaidCalls": serializers.CharField(help_text="Usage the balance could not pay (calls that would be blocked)."),
    "endingBalance": serializers.CharField(help_text=MONEY_HELP),
    "cappedMonths": serializers.IntegerField(help_text="Months in which the monthly cap stopped a recharge."),
})

RECHARGE_ADVICE = answer("RechargeAdvice", {
    "status": serializers.CharField(help_text="ok, or notEnoughHistory (the message says what to start with)"),
    "message": serializers.CharField(),
    "daysOfCover": serializers.IntegerField(),
    "historyDays": serializers.IntegerField(help_text="Whole UTC days of usage replayed (at most 90)."),
    "historyTotal": serializers.CharField(help_text=MONEY_HELP),
    "averageDailyBurn": serializers.CharField(allow_null=True, help_text=MONEY_HELP),
    "coverAmount": serializers.CharField(allow_null=True, help_text="The busiest daysOfCover days of the history."),
    "recommendation": answer("RechargeRecommendation", {
        "mode": MODE, "triggerAmount": serializers.CharField(help_text=MONEY_HELP),
        "rechargeAmount": serializers.CharField(help_text=MONEY_HELP),
        "oneTimeAmount": serializers.CharField(help_text="Add now to have the cover at once; 0.00 when you have it.")})(
        allow_null=True),
    "horizonDays": serializers.IntegerField(),
    "comparison": serializers.ListField(child=PLAN_OUTCOME()),
})
ADVICE_PARAMETERS = [OpenApiParameter("daysOfCover", int, description="Days the balance should last when a recharge "
                                                                      "starts, 1 to 90 (default 14)")]
