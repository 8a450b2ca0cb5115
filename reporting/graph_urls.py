"""Graph-compatible routes of Reports, mounted at /v1.0/.

The function-call syntax is matched loosely (anything after getPstnCalls) so that a malformed call gets a
Graph-style 400 naming the problem rather than a bare 404. Microsoft's SDKs call the function by its qualified name,
microsoft.graph.callRecords.getPstnCalls(…); scripts use the short one.
"""
from django.urls import re_path

from .graph import PstnCallsView

urlpatterns = [
    re_path(r"^communications/callRecords/(?:microsoft\.graph\.callRecords\.)?getPstnCalls(?P<call>.*)$",
            PstnCallsView.as_view(), name="graph-get-pstn-calls"),
]
