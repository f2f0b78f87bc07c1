"""The API's Blueprint: flask-smorest's, reading JSON bodies through registry.schemas.jsonbody."""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from registry.schemas.jsonbody import MalformedJson, load_json_body

from .common import authenticate_writes


class StrictJsonParser(FlaskParser):
    """webargs' parser, refusing malformed JSON, lone surrogates and deep nesting with one 400."""

    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        try:
            return load_json_body(data)
        except MalformedJson as err:
            abort(400, exc=err, messages={"json": [err.rule]})


class Blueprint(flask_smorest.Blueprint):
    """Every API blueprint authenticates a write before its view (and so its body) runs."""

    ARGUMENTS_PARSER = StrictJsonParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(authenticate_writes)
