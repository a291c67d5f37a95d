"""Endpoints declared once: the declaration routes the request, validates its body with the
model, checks the caller's role, and feeds the OpenAPI document."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from flask import Blueprint, Response, g, request
from pydantic import BaseModel

from gateway import auth
from gateway.errors import ApiError
from gateway.models import Error

# "self": the view authenticates the caller itself (the stream also takes tickets).
Role = Literal["public", "self", "any", "rider", "driver", "operator"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    role: Role
    body: type[BaseModel] | None
    response: Any
    status: int
    query: tuple[tuple[str, str], ...] = ()


ENDPOINTS: list[Endpoint] = []


def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    summary: str,
    *,
    role: Role = "any",
    body: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    query: tuple[tuple[str, str], ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares `METHOD /api/v1{path}`; the view gets the validated body as `body` and answers
    a model, a list of models, a dict, or a Response."""
    ENDPOINTS.append(Endpoint(method, path, summary, role, body, response, status, query))
    flask_path = re.sub(r"\{(\w+)\}", r"<\1>", path)

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handler(**kwargs: Any) -> Any:
            if role not in ("public", "self"):
                g.principal = auth.require(role)
            if body is not None:
                raw = request.get_data()  # refuses bodies over the limit (413) before anything
                if not request.is_json:
                    raise ApiError(
                        400,
                        "INVALID_ARGUMENT",
                        "send a JSON body with Content-Type: application/json",
                    )
                kwargs["body"] = body.model_validate_json(raw or b"")
            answer = view(**kwargs)
            if isinstance(answer, Response):
                return answer
            return Response(_json(answer), status, mimetype="application/json")

        bp.add_url_rule(flask_path, view.__name__, handler, methods=[method])
        return handler

    return wrap


def _json(value: Any) -> bytes:
    """The answer as JSON; models serialise themselves (pydantic's serializer is several times
    faster than json.dumps over model_dump)."""
    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True, exclude_none=True).encode()
    if isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
        return b"[" + b",".join(_json(v) for v in value) + b"]"
    return json.dumps(_dump(value), separators=(",", ":")).encode()


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared endpoint."""
    from pydantic.json_schema import models_json_schema

    models: set[type[BaseModel]] = {Error}
    for e in ENDPOINTS:
        if e.body:
            models.add(e.body)
        inner = getattr(e.response, "__args__", (e.response,))[0] if e.response else None
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            models.add(inner)
    _, schemas = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, Any] = {}
    for e in ENDPOINTS:
        op: dict[str, Any] = {
            "summary": e.summary,
            "operationId": e.method.lower()
            + "_"
            + re.sub(r"[^a-z0-9]+", "_", e.path.lower()).strip("_"),
            "responses": {
                str(e.status): {"description": "OK", **_content(e.response)},
                "default": {"description": "error", **_content(Error)},
            },
        }
        params = [
            {
                "name": n,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "maxLength": 64},
            }
            for n in re.findall(r"\{(\w+)\}", e.path)
        ]
        params += [
            {"name": n, "in": "query", "required": False, "schema": {"type": t}} for n, t in e.query
        ]
        if params:
            op["parameters"] = params
        if e.body:
            op["requestBody"] = {"required": True, **_content(e.body)}
        if e.role != "public":
            op["security"] = [{"bearer": []}]
        paths.setdefault("/api/v1" + e.path, {})[e.method.lower()] = op
    defs = schemas.get("$defs", {})
    bodies = {e.body.__name__ for e in ENDPOINTS if e.body}
    for name in _reachable(defs, set(defs) - _reachable(defs, bodies)):
        _absent_when_none(defs[name])
    return {
        "openapi": "3.1.0",
        "info": {"title": "LastMile", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _reachable(defs: dict[str, Any], names: set[str]) -> set[str]:
    """`names` and every schema they refer to, however deep."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += re.findall(r'"#/components/schemas/(\w+)"', json.dumps(defs[name]))
    return seen


def _absent_when_none(schema: dict[str, Any]) -> None:
    """Answers leave out fields that are None (exclude_none): in an answer-only schema such a
    field is optional and never null, which is what clients see."""
    for prop in schema.get("properties", {}).values():
        options = prop.get("anyOf")
        if prop.get("default", 0) is None and options and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            prop.pop("anyOf")
            prop.pop("default")
            if len(rest) == 1:
                prop.update(rest[0])
            else:
                prop["anyOf"] = rest


def _content(model: Any) -> dict[str, Any]:
    if model is None:
        return {}
    if getattr(model, "__origin__", None) is list:
        schema = {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/{model.__args__[0].__name__}"},
        }
    else:
        schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"content": {"application/json": {"schema": schema}}}
