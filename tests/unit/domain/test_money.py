"""Money rules: minor units, Stripe's minimums, zero-decimal currencies, the fee, presets."""

from __future__ import annotations

import pytest

from roomcast.domain import money
from roomcast.errors import BadRequest


@pytest.mark.parametrize(
    ("amount", "code", "text"),
    [
        (1500, "eur", "€15.00"),
        (5, "usd", "$0.05"),
        (123456, "usd", "$1,234.56"),
        (500, "jpy", "¥500"),
        (500, "JPY", "¥500"),
        (30000, "sek", "SEK 300.00"),
        (-250, "gbp", "-£2.50"),
        (7, "xxx", "7 XXX"),
    ],
)
def test_amounts_read_in_their_currency(amount: int, code: str, text: str) -> None:
    assert money.format_amount(amount, code) == text


@pytest.mark.parametrize(
    ("amount", "code", "refusal"),
    [
        (49, "usd", "amount_too_small"),  # Stripe's minimum charge is USD 0.50
        (50, "usd", None),
        (100_000, "usd", None),
        (100_001, "usd", "amount_too_large"),
        (49, "jpy", "amount_too_small"),  # zero-decimal: whole yen, at least ¥50
        (50, "jpy", None),
        (500, "xyz", "unsupported_currency"),
        (500, "usdx", "unsupported_currency"),
        (500, "", "unsupported_currency"),
        (True, "usd", "bad_amount"),
    ],
)
def test_what_stripe_would_take(amount: int, code: str, refusal: str | None) -> None:
    if refusal is None:
        assert money.check_amount(amount, code).code == code
        return
    with pytest.raises(BadRequest) as refused:
        money.check_amount(amount, code)
    assert refused.value.code == refusal and refused.value.message


def test_the_operators_fee_rounds_down_to_the_creator() -> None:
    bp = money.fee_basis_points(10)
    assert bp == 1000
    assert money.fee_of(1500, bp) == 150
    assert money.fee_of(999, bp) == 99  # 99.9: the fraction stays with the creator
    assert money.fee_of(1500, money.fee_basis_points(0)) == 0
    assert money.fee_of(1001, money.fee_basis_points(2.5)) == 25
    with pytest.raises(ValueError):
        money.fee_basis_points(51)
    with pytest.raises(ValueError):
        money.fee_basis_points(-1)


def test_tip_presets_are_about_the_same_money_everywhere() -> None:
    assert money.tip_presets("usd") == (200, 500, 1000, 2000)
    assert money.tip_presets("jpy") == (200, 500, 1000, 2000)  # yen: ¥200 ... ¥2,000
    assert money.tip_presets("sek") == (2000, 5000, 10000, 20000)
    for code in money.CURRENCIES:
        for amount in money.tip_presets(code):
            money.check_amount(amount, code, "tip")  # every preset is a valid charge
