"""OpenAPI descriptions of the invoice endpoints (drf-spectacular), kept apart from the views they describe."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from .filters import STATUSES, TYPES

_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='Graph-style error: {"error": {"code", "message"}}')

list_schema = extend_schema(
    operation_id="invoices_list",
    summary="List invoices, statements and credit notes",
    parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="Issued on or after (YYYY-MM-DD)"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Issued on or before (YYYY-MM-DD)"),
        OpenApiParameter("type", OpenApiTypes.STR, enum=list(TYPES)),
        OpenApiParameter("status", OpenApiTypes.STR, enum=list(STATUSES)),
        OpenApiParameter("$top", OpenApiTypes.INT, description="Page size, 1-200 (default 50)"),
        OpenApiParameter("$skip", OpenApiTypes.INT, description="Rows to skip"),
    ],
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description='{"value": [...], "@odata.nextLink": "..."}'),
               400: _ERROR, 403: _ERROR},
)
detail_schema = extend_schema(operation_id="invoices_get", summary="One invoice with its lines",
                              responses={200: OpenApiTypes.OBJECT, 404: _ERROR})
pdf_schema = extend_schema(operation_id="invoices_pdf", summary="The invoice's PDF",
                           responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: _ERROR, 503: _ERROR})
