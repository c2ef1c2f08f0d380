from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

COMMITTED = Path(__file__).with_name("openapi.yaml")


@pytest.fixture(scope="module")
def generated() -> str:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return out.getvalue()


def test_the_schema_validates_as_openapi_3(generated):
    validate(yaml.safe_load(generated))


def test_the_committed_schema_matches_the_code(generated):
    assert COMMITTED.read_text() == generated, (
        "The API contract changed. If intended, run `make schema` and commit "
        "tests/api/openapi.yaml so the change is reviewed as a diff."
    )


def test_operations_have_stable_readable_ids(generated):
    schema = yaml.safe_load(generated)
    ids = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
    }
    assert ids >= {
        "listPosts",
        "getPost",
        "listTags",
        "getTag",
        "listTagPosts",
        "getIndex",
    }


def test_components_have_the_contract_names(generated):
    names = set(yaml.safe_load(generated)["components"]["schemas"])
    assert names >= {
        "PostSummary", "Post", "Tag", "TagRef", "PostLink", "IndexEntry",
        "PaginatedPostSummaryList", "Error",
    }  # fmt: skip
    assert not [name for name in names if name.endswith("Enum") and name[-5].isdigit()]


def test_every_error_status_is_declared_with_the_error_shape(generated):
    paths = yaml.safe_load(generated)["paths"]
    listing = paths["/api/v1/posts/"]["get"]["responses"]
    for status in ("400", "404", "405", "406", "429", "503"):
        ref = listing[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error"
    assert "404" in paths["/api/v1/posts/{slug}/"]["get"]["responses"]
    for path in paths.values():
        responses = path["get"]["responses"]
        assert {"400", "405", "414", "429", "503"} <= set(responses)
        # 406 is for a JSON answer asked for in another format; feeds and
        # sitemaps are served whatever the Accept header says.
        json_answer = "application/json" in responses["200"]["content"]
        assert ("406" in responses) == json_answer


def test_every_route_of_the_api_is_in_the_schema(generated):
    from api.schema import plain_routes

    documented = set(yaml.safe_load(generated)["paths"])
    plain = {path for path, view in plain_routes()}
    catch_all = "/api/v1/^.*$"  # the JSON 404 for anything else
    assert plain - {catch_all} <= documented, (
        "A plain view of the API has no `openapi = PlainOperation(...)`."
    )
    assert {"/api/v1/feeds/rss/", "/api/v1/sitemaps/{section}.xml"} <= documented


def test_list_parameters_carry_types_and_bounds(generated):
    operation = yaml.safe_load(generated)["paths"]["/api/v1/posts/"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["page"]["minimum"] == 1
    assert params["page_size"]["minimum"] == 1
    assert params["page_size"]["x-clamped-maximum"] == 100  # clamped, not refused
    assert params["year"] == {
        "type": "integer", "minimum": 1000, "maximum": 9999, "example": 2026,
    }  # fmt: skip
    assert set(params["ordering"]["enum"]) == {
        "-published_at", "published_at", "title", "-title",
    }  # fmt: skip
    assert params["tag_match"]["enum"] == ["all", "any"]
    assert params["tag"]["type"] == "array"
    formats = {s.get("format") for s in params["published_after"]["anyOf"]}
    assert formats == {"date", "date-time", None}  # None: the offset-less pattern


def test_nullable_links_are_declared_nullable(generated):
    post = yaml.safe_load(generated)["components"]["schemas"]["Post"]["properties"]
    assert post["previous"]["nullable"] is True
    assert post["next"]["nullable"] is True


@pytest.mark.django_db
def test_the_schema_and_docs_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = client.get(page).content.decode()
        assert "cdn" not in html.lower()
        assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_the_schema_is_generated_once_per_process(client, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    from api.views import SchemaView

    SchemaView._documents.clear()
    calls = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    yaml_body = client.get("/api/v1/schema/").content
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    assert client.get("/api/v1/schema/").content == yaml_body
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert len(calls) == 1
