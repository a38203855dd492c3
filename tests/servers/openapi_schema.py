"""Turn the published ARM OpenAPI (Swagger 2.0) definitions into strict JSON Schemas for requests and responses.

`$ref`s are resolved across files (relative paths, as in azure-rest-api-specs). Both kinds are strict: a property the
spec does not declare is an error (catches typos such as `configurationSetting` in what a client sends, and fields a
test server returns at an api-version whose schema lacks them). Request schemas also leave out read-only properties,
which must not be sent; response schemas keep them. `prune` drops what a schema does not declare, which is how the
test server answers an older api-version from the same stored resource.
"""

import copy
import json
from pathlib import Path

SWAGGER_ONLY_KEYS = {
    "x-ms-client-flatten",
    "x-ms-secret",
    "x-ms-enum",
    "x-ms-identifiers",
    "x-ms-mutability",
    "x-ms-azure-resource",
    "x-ms-client-name",
    "x-ms-discriminator-value",
    "example",
    "discriminator",
    "x-ms-parameter-location",
    "x-ms-external",
    "x-ms-client-default",
    "x-nullable",
    "readOnly",
    "x-ms-flatten",
    "x-ms-long-running-operation",
    "title",
}


class SwaggerResolver:
    def __init__(self):
        self._files = {}

    def load(self, path):
        path = Path(path).resolve()
        if path not in self._files:
            self._files[path] = json.loads(path.read_text())
        return self._files[path]

    def _follow(self, ref, base):
        file_part, _hash, pointer = ref.partition("#")
        target = (base.parent / file_part).resolve() if file_part else base
        node = self.load(target)
        for part in [p for p in pointer.split("/") if p]:
            node = node[part]
        return node, target

    def schema(self, ref, base, request=True):
        """Strict JSON Schema for the definition at `ref` (relative to file `base`); request=False keeps read-only fields."""
        node, target = self._follow(ref, Path(base).resolve())
        return self._convert(node, target, request, depth=0)

    def response_schema(self, spec, path_suffix, method, status):
        """Strict schema of the `status` response of `method` on the path template ending in `path_suffix`, or None
        when the spec declares no body for it (a 202/204 of DELETE)."""
        spec = Path(spec).resolve()
        for template, operations in self.load(spec)["paths"].items():
            if template.lower().endswith(path_suffix.lower()) and method.lower() in operations:
                response = operations[method.lower()]["responses"].get(str(status)) or {}
                if "schema" not in response:
                    return None
                return self._convert(response["schema"], spec, False, depth=0)
        raise KeyError("{0}: no {1} {2}".format(spec.name, method, path_suffix))

    def _convert(self, node, base, request, depth):
        if depth > 25:
            return {}
        if isinstance(node, list):
            return [self._convert(item, base, request, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        nullable = node.get("x-nullable", False)
        if "$ref" in node:
            target, target_base = self._follow(node["$ref"], base)
            resolved = self._convert(target, target_base, request, depth + 1)
            siblings = {
                k: v
                for k, v in node.items()
                if k not in ("$ref",) and k not in SWAGGER_ONLY_KEYS and k != "description"
            }
            if siblings:
                resolved = {"allOf": [resolved, self._convert(siblings, base, request, depth + 1)]}
            if nullable or target.get("x-nullable"):
                return {"anyOf": [resolved, {"type": "null"}]}
            return resolved
        out = {}
        for key, value in node.items():
            if key in SWAGGER_ONLY_KEYS or key == "description":
                continue
            if key == "properties":
                out["properties"] = {}
                for name, sub in value.items():
                    if request and isinstance(sub, dict) and sub.get("readOnly"):
                        continue  # not declared for requests: sending it is a violation
                    out["properties"][name] = self._convert(sub, base, request, depth + 1)
            elif key == "allOf":
                # Resource bases (ProxyResource, TrackedResource) add id/name/type/systemData/location/tags: fold their
                # properties (and required names) in so the whole object stays strict.
                for part in value:
                    converted = self._convert(part, base, request, depth + 1)
                    for part_schema in converted.get("allOf", [converted]) if isinstance(converted, dict) else []:
                        out.setdefault("properties", {}).update(part_schema.get("properties") or {})
                        required = [name for name in part_schema.get("required") or [] if name in out["properties"]]
                        if required:
                            out["required"] = sorted(set(out.get("required", [])) | set(required))
            elif key == "required":
                out["required"] = sorted(set(out.get("required", [])) | set(value))
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out[key] = self._convert(value, base, request, depth + 1)
            else:
                out[key] = copy.deepcopy(value)
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        if request and out.get("required") and "properties" in out:
            out["required"] = [name for name in out["required"] if name in out["properties"]]
        if nullable and "type" in out:
            out["type"] = [out["type"], "null"]
        return out


def _object_branch(schema):
    """The object-shaped part of a converted schema (x-nullable $refs become anyOf [schema, null])."""
    if not isinstance(schema, dict):
        return {}
    for branch in schema.get("anyOf") or []:
        if isinstance(branch, dict) and (branch.get("properties") or branch.get("additionalProperties")):
            return branch
    return schema


def prune(value, schema):
    """`value` without the properties `schema` does not declare, recursively (the resource as an older api-version
    would return it)."""
    schema = _object_branch(schema)
    if isinstance(value, dict):
        declared = schema.get("properties")
        extra = schema.get("additionalProperties")
        out = {}
        for key, item in value.items():
            if declared is not None and key in declared:
                out[key] = prune(item, declared[key])
            elif isinstance(extra, dict):
                out[key] = prune(item, extra)
            elif declared is None and extra is not False:
                out[key] = item
        return out
    if isinstance(value, list):
        return [prune(item, schema.get("items") or {}) for item in value]
    return value
