"""The API's JSON parser: a body carrying a NUL byte (\\u0000) in any name or string is refused, naming the field."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .validation import nul_path


class CleanJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        path = nul_path(data)
        if path is not None:
            raise ParseError(f"{path or 'body'}: must not contain NUL (\\u0000) characters.")
        return data
