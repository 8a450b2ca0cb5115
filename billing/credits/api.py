"""The /api/v1/ credits endpoints: balance and lots, auto-recharge, payment methods, funding, transactions.

JSON is camelCase; money is a string with two decimals ("100.00") so no client ever parses it as a float,
and numbers sent in are read as Decimal. Errors are Graph-style and name the camelCase field.
"""
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.money import api_money
from core.serializers import render
from core.validation import is_whole, nul_path

from . import api_schema as schema
from . import selectors
from .exceptions import IdempotencyConflict, PaymentDeclined, PurchaseNotAllowed
from .filters import transactions_api_filter
from .services import (
    auto_recharge_update,
    credits_add_funds,
    payment_method_add_card,
    payment_method_add_invoice,
    payment_method_remove,
)

API_NAMES = {
    "amount": "amount", "payment_method": "paymentMethodId", "idempotency_key": "Idempotency-Key",
    "trigger_amount": "triggerAmount", "recharge_amount": "rechargeAmount", "enabled": "enabled", "mode": "mode",
    "target_balance": "targetBalance", "monthly_cap": "monthlyCap",
    "number": "number", "exp_month": "expMonth", "exp_year": "expYear", "cvc": "cvc", "holder_name": "holderName",
    "agreement_number": "agreementNumber", "po_number": "poNumber", "type": "type",
}
MAX_PAGE = 1000
DEFAULT_PAGE = 100


class DecimalJSONParser(JSONParser):
    """JSON with every non-integer number read as Decimal (money never passes through a float); a NUL byte in any
    string is refused naming the field, unless `refuse_nul` is off (the call import reports it per row)."""

    refuse_nul = True

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = json.load(stream, parse_float=Decimal, parse_constant=self._refuse_constant)
        except ValueError as exc:
            raise ParseError(f"The request body is not valid JSON: {exc}") from None
        path = nul_path(data) if self.refuse_nul else None
        if path is not None:
            raise ParseError(f"{path or 'body'}: must not contain NUL (\\u0000) characters.")
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not a number")


def _api_validation_error(exc):
    """The service's ValidationError with its fields renamed to the API's camelCase names."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({API_NAMES.get(field, field): errors for field, errors in exc.error_dict.items()})


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _method_json(method):
    body = {"id": str(method.pk), "type": method.kind, "displayName": method.label,
            "status": "expired" if method.is_expired() else "active", "createdDateTime": _time(method.created_at)}
    if method.kind == method.Kind.CARD:
        body.update({"brand": method.brand, "last4": method.last4, "expMonth": method.exp_month,
                     "expYear": method.exp_year, "holderName": method.holder_name})
    else:
        body.update({"agreementNumber": method.agreement_number, "poNumber": method.po_number})
    return body


MODES = {"fixed": "fixedAmount", "top_up": "topUpToTarget"}


def _auto_recharge_json(settings):
    return {"enabled": settings.enabled, "mode": MODES[settings.mode], "triggerAmount": api_money(settings.trigger_amount),
            "rechargeAmount": api_money(settings.recharge_amount), "targetBalance": api_money(settings.target_balance),
            "monthlyCap": api_money(settings.monthly_cap),
            "paymentMethodId": str(settings.payment_method_id) if settings.payment_method_id else None,
            "paused": settings.paused, "consecutiveFailures": settings.consecutive_failures,
            "capPausedUntil": _time(settings.cap_paused_until) if settings.cap_paused(timezone.now()) else None}


def _mode_from(body, current):
    """The body's mode ("fixedAmount" or "topUpToTarget"); left out, the stored one."""
    if "mode" not in body:
        return current.mode
    for mode, name in MODES.items():
        if body["mode"] == name:
            return mode
    raise ValidationError({"mode": "Give mode as \"fixedAmount\" or \"topUpToTarget\"."})


def _purchase_json(purchase):
    entry = purchase.ledger_entry
    return {"id": purchase.pk, "type": purchase.kind, "amount": api_money(purchase.amount), "currency": purchase.currency,
            "paymentMethodId": str(purchase.payment_method_id), "paymentMethod": purchase.payment_method_label,
            "poNumber": purchase.po_number, "createdDateTime": _time(purchase.created_at),
            "ledgerEntryId": entry.pk, "balanceAfter": api_money(entry.balance_after),
            "expiresDateTime": _time(purchase.lot.expires_at)}


def _entry_json(entry):
    return {"id": entry.pk, "type": entry.kind, "displayType": entry.get_kind_display(), "amount": api_money(entry.amount),
            "balanceAfter": api_money(entry.balance_after), "callId": entry.call_id or None,
            "purchaseId": entry.purchase_id, "reference": entry.reference or None, "description": entry.memo,
            "actor": entry.actor_label, "createdDateTime": _time(entry.created_at)}


def _body(request):
    if not isinstance(request.data, dict):
        raise ApiError("The request body must be a JSON object.")
    return request.data


def _payment_method_from(body, tenant):
    value = body.get("paymentMethodId")
    if value in (None, ""):
        return None
    method = selectors.payment_method_for(tenant=tenant, method_id=value)
    if method is None:
        raise ValidationError({"paymentMethodId": f"No payment method '{value}' in your organization."})
    return method


class CreditsApiView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    parser_classes = [DecimalJSONParser]
    read_capability = Cap.BILLING_READ
    write_capability = Cap.BILLING_MANAGE

    def get_permissions(self):
        cap = self.read_capability if self.request.method in ("GET", "HEAD", "OPTIONS") else self.write_capability
        return [HasCapability.for_(cap)()]


class CreditsView(CreditsApiView):
    """GET /api/v1/credits: balance, available balance after reservations, auto-recharge and the funded lots."""

    @extend_schema(summary="Communications Credits balance", tags=["Credits"], responses={200: schema.CREDITS})
    def get(self, request):
        tenant = request.user.tenant
        balance = selectors.credits_balance(tenant=tenant)
        lots = selectors.credits_lots(tenant=tenant).filter(funded=True).order_by("purchased_at", "id")
        return Response(render(schema.CREDITS, {
            "balance": api_money(balance.balance), "currency": balance.currency,
            "availableBalance": api_money(balance.available), "reservedAmount": api_money(balance.reserved),
            "status": balance.status,
            "autoRecharge": _auto_recharge_json(selectors.auto_recharge_settings(tenant=tenant)),
            "lots": [{"id": lot.pk, "amount": api_money(lot.amount), "remaining": api_money(lot.remaining),
                      "purchasedDateTime": _time(lot.purchased_at), "expiresDateTime": _time(lot.expires_at),
                      "status": lot.status().lower()} for lot in lots],
        }))


class AutoRechargeView(CreditsApiView):
    """PUT /api/v1/credits/auto-recharge {enabled, mode, triggerAmount, rechargeAmount, targetBalance, monthlyCap,
    paymentMethodId}. Left out, mode, targetBalance and monthlyCap keep their stored values; monthlyCap null removes
    the limit."""

    @extend_schema(summary="Auto-recharge settings", tags=["Credits"], responses={200: schema.AUTO_RECHARGE})
    def get(self, request):
        return Response(render(schema.AUTO_RECHARGE, _auto_recharge_json(
            selectors.auto_recharge_settings(tenant=request.user.tenant))))

    @extend_schema(summary="Change auto-recharge settings", tags=["Credits"], request=schema.AUTO_RECHARGE_UPDATE,
                   responses={200: schema.AUTO_RECHARGE, 400: schema.GRAPH_ERROR, 403: schema.GRAPH_ERROR})
    def put(self, request):
        body = _body(request)
        tenant = request.user.tenant
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise ValidationError({"enabled": "Give enabled as true or false."})
        current = selectors.auto_recharge_settings(tenant=tenant)
        try:
            settings = auto_recharge_update(
                tenant=tenant, enabled=enabled, mode=_mode_from(body, current), trigger_amount=body.get("triggerAmount"),
                recharge_amount=body.get("rechargeAmount"),
                target_balance=body.get("targetBalance", current.target_balance),
                monthly_cap=body.get("monthlyCap", current.monthly_cap),
                payment_method=_payment_method_from(body, tenant), actor=request.user)
        except ValidationError as exc:
            raise _api_validation_error(exc) from None
        except PurchaseNotAllowed as exc:
            raise ApiError(exc.message, code="PurchaseNotAllowed", status_code=403) from None
        return Response(render(schema.AUTO_RECHARGE, _auto_recharge_json(settings)))


class PaymentMethodsView(CreditsApiView):
    """GET /api/v1/payment-methods; POST a card {type: "card", number, expMonth, expYear, holderName[, cvc]}
    or an invoice arrangement {type: "invoice", agreementNumber[, poNumber]}."""

    @extend_schema(summary="List payment methods", tags=["Payment methods"], operation_id="payment_methods_list",
                   responses={200: schema.PAYMENT_METHOD_LIST})
    def get(self, request):
        methods = selectors.payment_methods_in_use(tenant=request.user.tenant)
        return Response(render(schema.PAYMENT_METHOD_LIST, {"value": [_method_json(m) for m in methods]}))

    @extend_schema(summary="Add a payment method", tags=["Payment methods"], request=schema.PAYMENT_METHOD_CREATE,
                   responses={201: schema.PAYMENT_METHOD, 400: schema.GRAPH_ERROR}, examples=[schema.CARD_EXAMPLE])
    def post(self, request):
        body = _body(request)
        tenant = request.user.tenant
        kind = body.get("type")
        try:
            if kind == "card":
                method = payment_method_add_card(
                    tenant=tenant, number=str(body.get("number") or ""), exp_month=body.get("expMonth"),
                    exp_year=body.get("expYear"), cvc=str(body.get("cvc") or ""), holder_name=body.get("holderName"),
                    actor=request.user)
            elif kind == "invoice":
                method = payment_method_add_invoice(tenant=tenant, agreement_number=body.get("agreementNumber"),
                                                    po_number=body.get("poNumber") or "", actor=request.user)
            else:
                raise ValidationError({"type": "Give type as \"card\" or \"invoice\"."})
        except ValidationError as exc:
            raise _api_validation_error(exc) from None
        return Response(render(schema.PAYMENT_METHOD, _method_json(method)), status=status.HTTP_201_CREATED)


class PaymentMethodView(CreditsApiView):
    """GET or DELETE /api/v1/payment-methods/{id}; another tenant's id is a 404."""

    def _method(self, request, method_id):
        method = selectors.payment_method_for(tenant=request.user.tenant, method_id=method_id)
        if method is None:
            raise ApiError(f"No payment method '{method_id}' in your organization.", code="Request_ResourceNotFound",
                           status_code=404)
        return method

    @extend_schema(summary="Get a payment method", tags=["Payment methods"], operation_id="payment_method_get",
                   responses={200: schema.PAYMENT_METHOD, 404: schema.GRAPH_ERROR})
    def get(self, request, method_id):
        return Response(render(schema.PAYMENT_METHOD, _method_json(self._method(request, method_id))))

    @extend_schema(summary="Delete a payment method", tags=["Payment methods"],
                   responses={204: None, 404: schema.GRAPH_ERROR, 409: schema.GRAPH_ERROR})
    def delete(self, request, method_id):
        try:
            payment_method_remove(payment_method=self._method(request, method_id), actor=request.user)
        except ValidationError as exc:
            raise ApiError(" ".join(exc.messages), code="Request_Conflict", status_code=409) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class FundsView(CreditsApiView):
    """POST /api/v1/credits/funds {amount, paymentMethodId} with an Idempotency-Key header.

    The same key and body answers with the first result (header Idempotent-Replayed: true); the same key
    with another body is a 409. A declined card is a 402 naming paymentMethodId; nothing is written.
    """

    @extend_schema(summary="Add funds", tags=["Credits"], request=schema.FUNDS, parameters=[schema.IDEMPOTENCY_KEY],
                   responses={201: schema.PURCHASE, 400: schema.GRAPH_ERROR, 402: schema.GRAPH_ERROR,
                              403: schema.GRAPH_ERROR, 409: schema.GRAPH_ERROR}, examples=[schema.FUNDS_EXAMPLE])
    def post(self, request):
        body = _body(request)
        tenant = request.user.tenant
        key = request.headers.get("Idempotency-Key", "")
        try:
            method = _payment_method_from(body, tenant)
            if method is None:
                raise ValidationError({"paymentMethodId": "Give the id of the payment method to charge."})
            funding = credits_add_funds(tenant=tenant, amount=body.get("amount"), payment_method=method,
                                        idempotency_key=key, actor=request.user)
        except ValidationError as exc:
            raise _api_validation_error(exc) from None
        except IdempotencyConflict as exc:
            raise ApiError(exc.message, code="Request_Conflict", status_code=409) from None
        except PaymentDeclined as exc:
            raise ApiError(f"paymentMethodId: {exc.message}", code="PaymentDeclined", status_code=402) from None
        except PurchaseNotAllowed as exc:
            raise ApiError(exc.message, code="PurchaseNotAllowed", status_code=403) from None
        response = Response(render(schema.PURCHASE, _purchase_json(funding.purchase)), status=status.HTTP_201_CREATED)
        if funding.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _page_size(value):
    if value in (None, ""):
        return DEFAULT_PAGE
    if not is_whole(str(value)) or len(str(value)) > 12 or not 1 <= int(value) <= MAX_PAGE:
        raise ValidationError({"$top": f"Give $top as a whole number from 1 to {MAX_PAGE}."})
    return int(value)


class TransactionsView(CreditsApiView):
    """GET /api/v1/credits/transactions?type=&fromDateTime=&toDateTime=&$top= (newest first, @odata.nextLink)."""

    @extend_schema(summary="List credit transactions", tags=["Credits"], parameters=schema.TRANSACTION_PARAMETERS,
                   responses={200: schema.TRANSACTION_LIST, 400: schema.GRAPH_ERROR})
    def get(self, request):
        params = request.query_params
        top = _page_size(params.get("$top"))
        entries = transactions_api_filter(params, selectors.credits_transactions(tenant=request.user.tenant))
        skiptoken = params.get("$skiptoken", "")
        if skiptoken:
            if not is_whole(skiptoken) or len(skiptoken) > 18:
                raise ValidationError({"$skiptoken": "The $skiptoken is not one this API gave out."})
            entries = entries.filter(id__lt=int(skiptoken))
        rows = list(entries[: top + 1])
        body = {"value": [_entry_json(e) for e in rows[:top]]}
        if len(rows) > top:
            query = params.copy()
            query["$skiptoken"] = str(rows[top - 1].pk)
            body["@odata.nextLink"] = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(render(schema.TRANSACTION_LIST, body))
