"""The web UI's API types are generated from the gateway's OpenAPI document; the checked-in
document is the one the gateway serves, and it says what answers really carry."""

from __future__ import annotations

import json

from scripts import gen_openapi


def test_the_ui_has_the_gateways_current_openapi_document() -> None:
    assert gen_openapi.OUT.read_text() == gen_openapi.rendered(), "run `make ui-types`"


def test_fields_left_out_of_answers_are_optional_not_null() -> None:
    schemas = json.loads(gen_openapi.rendered())["components"]["schemas"]
    ride = schemas["RideRequest"]
    assert "tripId" not in ride["required"]
    assert ride["properties"]["tripId"] == {"title": "Tripid", "type": "string"}
    assert ride["properties"]["driver"] == {"$ref": "#/components/schemas/DriverInfo"}
    # Bodies keep accepting null where the server does.
    location = schemas["LocationBody"]["properties"]["speedMps"]
    assert {"type": "null"} in location["anyOf"]
