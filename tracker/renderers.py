"""The API's JSON renderer: orjson, several times faster than the standard library."""

import json
import re

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(data):
    """`data` with every lone surrogate replaced by U+FFFD, so that it encodes."""
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {_printable(key): _printable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_printable(item) for item in data]
    return data


class _Encoder(JSONEncoder):
    """DRF's encoder, with str() for whatever it does not know (as orjson's default)."""

    def default(self, obj):
        try:
            return super().default(obj)
        except TypeError:
            return str(obj)


class OrjsonRenderer(JSONRenderer):
    """JSONRenderer's output (UTC times end in Z, as DRF writes them), rendered by orjson.

    What orjson refuses (a lone surrogate echoed from a request, an integer beyond 64 bits)
    is rendered anyway, by the standard library's encoder, surrogates replaced: an error
    message about what a client sent must never itself become a 500."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        try:
            return orjson.dumps(
                data, default=str, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z
            )
        except orjson.JSONEncodeError:
            text = json.dumps(_printable(data), cls=_Encoder, ensure_ascii=True)
            return text.encode()
