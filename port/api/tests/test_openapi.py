"""The OpenAPI document and the readable docs page, served without any third-party request."""

import json
import re

from django.contrib.staticfiles import finders


def test_the_openapi_document_is_json_listing_both_endpoints(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert set(document["paths"]) == {"/api/v1/referrals", "/api/v1/referrals/{referral_id}"}
    assert set(document["paths"]["/api/v1/referrals"]) == {"post"}
    assert set(document["paths"]["/api/v1/referrals/{referral_id}"]) == {"get"}


def test_the_document_describes_the_bearer_scheme_on_every_operation(client, db):
    document = client.get("/api/v1/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["AgencyTokenAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "API tokens" in scheme["description"]
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"AgencyTokenAuth": []}]
            assert "401" in operation["responses"]


def test_the_document_explains_idempotency_times_and_the_error_shape(client, db):
    document = client.get("/api/v1/openapi.json").json()
    description = document["info"]["description"]
    assert "Idempotency" in description and "external_id" in description
    assert "UTC offset" in description
    assert '"errors"' in description
    create = document["paths"]["/api/v1/referrals"]["post"]
    assert {"200", "201", "400", "401", "413", "422", "429"} <= set(create["responses"])
    example = create["responses"]["422"]["content"]["application/json"]["example"]
    assert set(example) == {"detail", "errors"}
    assert "participant.phone" in example["errors"]
    error_schema = document["components"]["schemas"]["ErrorOut"]
    assert set(error_schema["properties"]) == {"detail", "errors"}


def test_the_request_body_schema_lists_the_fields_choices_and_limits(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    body = schemas["ReferralIn"]
    assert set(body["required"]) == {"external_id", "source", "received_at", "acuity", "participant"}
    assert body["additionalProperties"] is False
    assert body["examples"][0]["external_id"]
    assert set(schemas["Source"]["enum"]) == {
        "emergency_department",
        "211",
        "ems",
        "fire",
        "law_enforcement",
        "self",
        "family",
        "other",
    }
    participant = schemas["ParticipantIn"]["properties"]
    assert set(participant) == {
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "phone",
        "address",
        "location_notes",
        "preferred_language",
    }
    overdose = schemas["OverdoseIn"]["properties"]
    assert set(overdose) == {
        "occurred_at",
        "location",
        "substances",
        "naloxone_doses",
        "naloxone_given_by",
        "transported",
    }
    # The status answer carries nothing about the person.
    assert set(schemas["ReferralStatusOut"]["properties"]) == {
        "id",
        "external_id",
        "status",
        "received_at",
        "contact_deadline",
    }


def test_the_docs_page_renders_from_local_static_files_only(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "PORT referral API" in html
    assert "http://" not in html and "https://" not in html
    for host in ("cdn", "unpkg", "jsdelivr", "googleapis", "cloudflare"):
        assert host not in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file"


def test_the_docs_page_does_not_ask_swagger_ui_to_call_its_online_validator(client, db):
    html = client.get("/api/v1/docs").content.decode()
    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    ).group(1)
    swagger_settings = json.loads(settings_json)
    assert swagger_settings["validatorUrl"] is None
    assert swagger_settings["url"] == "/api/v1/openapi.json"


def test_the_docs_page_has_no_inline_script(client, db):
    html = client.get("/api/v1/docs").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        # JSON data blocks are not executed; every executed script is a local file.
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert 'style="' not in html
