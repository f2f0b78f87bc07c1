"""Unbound extension objects, bound to the app in create_app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from registry.database import Base

db = SQLAlchemy(model_class=Base)
# Models subclass `Model`: Flask-SQLAlchemy's `db.Model`, which type checkers see as our declarative base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _schema_name(schema: Any) -> str:
    """Component names: the class name, with `Patch` for partial (PATCH) variants."""
    cls = schema if isinstance(schema, type) else type(schema)
    partial = not isinstance(schema, type) and bool(getattr(schema, "partial", False))
    many = not isinstance(schema, type) and bool(getattr(schema, "many", False))
    name = cls.__name__.removesuffix("Schema")
    return name + ("Patch" if partial else "") + ("List" if many and name.endswith("Page") else "")


api = Api(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name)})
