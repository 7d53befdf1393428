"""Money: amounts are integers in a currency's minor unit (cents; yen have none), as Stripe
takes them. The currencies we sell in, their smallest and largest prices, the operator's
fee, tip presets and how an amount reads.

Stripe's own rules, kept here so a bad price is refused before any call: zero-decimal
currencies (JPY, KRW, CLP...) take whole units; every currency has a minimum charge (about
USD 0.50). The maximum is ours: a ticket or tip of more than about USD 1,000 is a typo.
"""

from __future__ import annotations

from dataclasses import dataclass

from roomcast.errors import BadRequest


@dataclass(frozen=True, slots=True)
class Currency:
    code: str  # ISO 4217, lower case as Stripe writes it
    exponent: int  # digits after the point: 2 for cents, 0 for yen
    minimum: int  # smallest charge, minor units (Stripe's minimums)
    unit: int  # about one US dollar, minor units: scales tip presets and the maximum
    symbol: str

    @property
    def maximum(self) -> int:
        return 1000 * self.unit


def _c(code: str, exponent: int, minimum: int, unit: int, symbol: str) -> Currency:
    return Currency(code, exponent, minimum, unit, symbol)


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        _c("usd", 2, 50, 100, "$"),
        _c("eur", 2, 50, 100, "€"),
        _c("gbp", 2, 30, 100, "£"),
        _c("cad", 2, 50, 100, "CA$"),
        _c("aud", 2, 50, 100, "A$"),
        _c("nzd", 2, 50, 100, "NZ$"),
        _c("chf", 2, 50, 100, "CHF "),
        _c("sek", 2, 300, 1000, "SEK "),
        _c("nok", 2, 300, 1000, "NOK "),
        _c("dkk", 2, 250, 1000, "DKK "),
        _c("pln", 2, 200, 400, "PLN "),
        _c("czk", 2, 1500, 2500, "CZK "),
        _c("inr", 2, 5000, 10000, "₹"),
        _c("brl", 2, 50, 500, "R$"),
        _c("mxn", 2, 1000, 2000, "MX$"),
        _c("sgd", 2, 50, 100, "S$"),
        _c("hkd", 2, 400, 1000, "HK$"),
        _c("zar", 2, 1000, 2000, "ZAR "),
        _c("jpy", 0, 50, 100, "¥"),
        _c("krw", 0, 500, 1000, "₩"),
        _c("clp", 0, 500, 1000, "CLP "),
    )
}
TIP_PRESETS = (2, 5, 10, 20)  # in `unit`s: about that many dollars
MAX_FEE_PERCENT = 50.0


def currency(code: str) -> Currency:
    found = CURRENCIES.get(code.lower()) if isinstance(code, str) and len(code) == 3 else None
    if found is None:
        raise BadRequest(
            f"{code[:8]!r} is not a currency Roomcast sells in; use one of "
            + ", ".join(c.upper() for c in CURRENCIES)
            + ".",
            code="unsupported_currency",
            field="currency",
        )
    return found


def check_amount(amount: int, code: str, what: str = "price") -> Currency:
    """A price or tip Stripe will take: whole minor units, at least the currency's minimum
    charge, at most our sanity cap."""
    c = currency(code)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise BadRequest(
            f"The {what} is a whole number of {c.code.upper()} minor units.",
            code="bad_amount",
            field=what,
        )
    if amount < c.minimum:
        raise BadRequest(
            f"The {what} is at least {format_amount(c.minimum, c.code)}.",
            code="amount_too_small",
            field=what,
        )
    if amount > c.maximum:
        raise BadRequest(
            f"The {what} is at most {format_amount(c.maximum, c.code)}.",
            code="amount_too_large",
            field=what,
        )
    return c


def fee_basis_points(percent: float) -> int:
    if not 0 <= percent <= MAX_FEE_PERCENT:
        raise ValueError(f"the platform fee is 0 to {MAX_FEE_PERCENT} percent")
    return round(percent * 100)


def fee_of(amount: int, basis_points: int) -> int:
    """The operator's application fee on `amount`, rounded down: a fraction of a cent is
    the creator's."""
    return amount * basis_points // 10_000


def format_amount(amount: int, code: str) -> str:
    """ "$5.00", "¥500", "SEK 30.00": for pages and emails (clients format their own)."""
    c = CURRENCIES.get(code.lower())
    if c is None:
        return f"{amount} {code.upper()}"
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**c.exponent)
    digits = f"{whole:,}" + (f".{part:0{c.exponent}d}" if c.exponent else "")
    return f"{sign}{c.symbol}{digits}"


def tip_presets(code: str) -> tuple[int, ...]:
    c = currency(code)
    return tuple(max(c.minimum, n * c.unit) for n in TIP_PRESETS)
