"""Just enough protobuf decoding for the two kinds helm's storage driver writes that way (Secret, ConfigMap)."""

import base64

from .errors import ApiError


def _varint(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def _proto_fields(data):
    """(field number, wire type, value) of one protobuf message; length-delimited values stay bytes."""
    pos, fields = 0, []
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ApiError(400, "BadRequest", "unsupported protobuf wire type {0}".format(wire))
        fields.append((number, wire, value))
    return fields


def _proto_map(entries, binary=False):
    result = {}
    for entry in entries:
        parts = dict((number, value) for number, _wire, value in _proto_fields(entry))
        value = parts.get(2, b"")
        result[parts.get(1, b"").decode("utf-8")] = (
            base64.b64encode(value).decode("ascii") if binary else value.decode("utf-8")
        )
    return result


def _proto_object_meta(data):
    meta, labels, annotations = {}, [], []
    names = {1: "name", 2: "generateName", 3: "namespace", 6: "resourceVersion"}
    for number, _wire, value in _proto_fields(data):
        if number in names:
            meta[names[number]] = value.decode("utf-8")
        elif number == 11:
            labels.append(value)
        elif number == 12:
            annotations.append(value)
    if labels:
        meta["labels"] = _proto_map(labels)
    if annotations:
        meta["annotations"] = _proto_map(annotations)
    return meta


def decode_protobuf(raw):
    """Decode the two kinds helm's storage driver sends as protobuf (Secret, ConfigMap) into JSON-shaped dicts."""
    if not raw.startswith(b"k8s\x00"):
        raise ApiError(400, "BadRequest", "protobuf body without the k8s envelope")
    envelope = dict((number, value) for number, _wire, value in _proto_fields(raw[4:]))
    type_meta = dict((number, value.decode("utf-8")) for number, _wire, value in _proto_fields(envelope.get(1, b"")))
    kind = type_meta.get(2)
    body = {"apiVersion": type_meta.get(1) or "v1", "kind": kind}
    fields = _proto_fields(envelope.get(2, b""))
    if kind == "Secret":
        body["metadata"] = next((_proto_object_meta(v) for n, _w, v in fields if n == 1), {})
        body["data"] = _proto_map([v for n, _w, v in fields if n == 2], binary=True)
        body["type"] = next((v.decode("utf-8") for n, _w, v in fields if n == 3), "Opaque")
    elif kind == "ConfigMap":
        body["metadata"] = next((_proto_object_meta(v) for n, _w, v in fields if n == 1), {})
        body["data"] = _proto_map([v for n, _w, v in fields if n == 2])
    else:
        raise ApiError(415, "UnsupportedMediaType", "this test double decodes protobuf only for Secret and ConfigMap")
    return body
