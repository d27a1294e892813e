"""The API's OpenAPI document and a plain page listing its endpoints, rendered on the server from
the same document (the Content-Security-Policy allows no script or style from elsewhere, so no
Swagger UI from a CDN). Both are public: they describe the API, they hold no data."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post", "put", "patch", "delete")


def spec_dict() -> dict:
    return current_app.extensions["tracker-api"].spec.to_dict()


@bp.route("/openapi.json")
def openapi_json():
    response = jsonify(spec_dict())
    response.headers["Cache-Control"] = "no-cache"
    return response


def _resolve(spec: dict, schema: dict | None) -> dict:
    """Follow a ``$ref`` to ``components/schemas`` (one level: enough to list fields)."""
    schema = schema or {}
    ref = schema.get("$ref")
    if ref and ref.startswith("#/components/schemas/"):
        return spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return schema


def _type_of(spec: dict, schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if kind == "array":
        return f"daftar {_type_of(spec, schema.get('items', {}))}"
    text = kind + (f" ({schema['format']})" if schema.get("format") else "")
    if schema.get("nullable"):
        text += ", null"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"])
    return text


def _fields(spec: dict, schema: dict) -> list[dict]:
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        schema = _resolve(spec, schema.get("items", {}))
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type_of(spec, prop), "required": name in required,
             "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]


def operations(spec: dict) -> list[dict]:
    out = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _type_of(spec, p.get("schema", {})), "description": p.get("description", "")}
                      for p in shared + op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = []
            for code, resp in op.get("responses", {}).items():
                if "$ref" in resp:
                    resp = spec.get("components", {}).get("responses", {}).get(resp["$ref"].rsplit("/", 1)[-1], {})
                responses.append({"code": code, "description": resp.get("description", "")})
            out.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "params": params,
                        "body": _fields(spec, body.get("schema")) if body else [],
                        "responses": responses, "id": f"{method}-{path}".replace("/", "-").strip("-")})
    return out


@bp.route("/docs")
def docs_page():
    spec = spec_dict()
    schemas = [{"name": name, "fields": _fields(spec, schema)}
               for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())]
    return render_template("api/docs.html", info=spec.get("info", {}), ops=operations(spec),
                           schemas=schemas, openapi_version=spec.get("openapi"))


ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")


@bp.route("/<path:rest>", methods=ANY_METHOD)
def unmatched(rest):
    """Anything under /api/v1 that no route takes (an unknown address, an id beyond what the
    database holds, a method the address does not have): a JSON 404 or 405 like every other
    API answer, not the web's HTML error page."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ANY_METHOD:
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        return ({"error": "Metode ini tidak diizinkan untuk alamat ini."}, 405,
                {"Allow": ", ".join(allowed + (["HEAD"] if "GET" in allowed else []) + ["OPTIONS"])})
    return {"error": "Alamat API tidak ditemukan."}, 404
