"""The gateway's own ``/api/usage/token/`` reports failure as HTTP 200 ``{"success": false}``."""

from __future__ import annotations

import pytest

from aiotokenhot import APIStatusError, AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot


async def test_a_success_false_body_raises_with_the_gateways_message(fake: FakeTokenHot,
                                                                     th: AsyncTokenHot) -> None:
    fake.fail_next(1, 200, path="/api/usage/token/",
                   body={"success": False, "message": "令牌已过期 (token expired)"})

    with pytest.raises(APIStatusError, match=r"token expired") as caught:
        await th.billing.token_usage()

    assert caught.value.status_code == 200
    assert caught.value.body == {"success": False, "message": "令牌已过期 (token expired)"}
    usage = await th.billing.token_usage()  # the next call reads the quota as usual
    assert usage.name == "fake-key" and usage.total_available == 376544


async def test_the_key_never_appears_in_the_message(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    fake.fail_next(1, 200, path="/api/usage/token/",
                   body={"success": False, "message": f"bad token {fake.api_key}"})

    with pytest.raises(APIStatusError) as caught:
        await th.billing.token_usage()

    assert fake.api_key not in str(caught.value) and fake.api_key not in repr(caught.value.body)
