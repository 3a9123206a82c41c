"""The API's JSON parser: whatever a client sends is data or a 400, never a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

# Deeper than any body the API takes (a status update with its sources is three levels), and
# far from the interpreter's recursion limit, which the serializers and the renderers also use.
MAX_DEPTH = 64


def _valid_text(text: str) -> bool:
    """False for a string holding a lone surrogate (`"\\ud800"` decodes to one): it is not
    Unicode, so neither the database nor the JSON renderer can encode it."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_decoded(data: object) -> None:
    """Refuse a decoded body nested deeper than MAX_DEPTH or holding a string (a key
    included) that is not valid Unicode. Iterative, so depth itself costs no stack."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not _valid_text(value):
                raise ParseError("JSON parse error - a string holds a lone surrogate.")
            continue
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)


class JSONParser(DRFJSONParser):
    """DRF's JSON parser, which also answers 400 (`parse_error`) for a body nested so deep
    that decoding it exhausts the stack, or holding strings that are not valid Unicode."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        check_decoded(data)
        return data
