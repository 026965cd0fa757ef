"""The model catalogue: GET /v1/models and GET /v1/models/{id}."""

from __future__ import annotations

import pytest

from aiotokenhot import AsyncTokenHot, InvalidRequestError, NotFoundError
from aiotokenhot.protocols.models import Model, ModelList
from aiotokenhot.testing import FakeTokenHot


async def test_list_returns_the_catalogue(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    models = await th.models.list()

    assert isinstance(models, ModelList)
    assert "gpt-5.4" in models.ids
    assert len(models) == len(models.data) > 3
    assert all(isinstance(m, Model) for m in models)
    assert models[0].object == "model"
    assert models.model_extra == {"success": True}  # gateway extras are kept
    assert "claude-opus-4-6" in [m.id for m in models.supporting("anthropic")]
    sent = fake.requests[-1]
    assert (sent.method, sent.path) == ("GET", "/v1/models")
    assert sent.headers["Authorization"] == f"Bearer {fake.api_key}"


async def test_retrieve_one_model(th: AsyncTokenHot) -> None:
    model = await th.models.retrieve("gpt-5.4")

    assert model.id == "gpt-5.4"
    assert model.owned_by == "custom"
    assert model.supported_endpoint_types == ["openai", "openai-response"]


async def test_an_unknown_model_is_a_typed_error_though_the_gateway_answers_200(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await th.models.retrieve("unknown-model-x")

    assert caught.value.status_code == 200
    assert caught.value.error_code == "model_not_found"
    assert "does not exist" in caught.value.message
    assert fake.requests[-1].path == "/v1/models/unknown-model-x"


async def test_an_empty_id_is_refused(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    with pytest.raises(InvalidRequestError):
        await th.models.retrieve("")
    assert fake.requests == []


async def test_the_anthropic_shape_is_served_to_anthropic_style_clients(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    models = await th.models.list(extra_headers={"x-api-key": fake.api_key,
                                                 "anthropic-version": "2023-06-01"})
    assert models.model_extra is not None and models.model_extra["has_more"] is False
    assert models[0].model_extra is not None and models[0].model_extra["type"] == "model"
