"""Request and response bodies of paid rooms: tickets, sales, creators' accounts, tips.
Money is an integer in the currency's minor unit (cents; yen have none), with a `*_text`
twin formatted for people."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from roomcast.actions.tickets import SalesReport, SaleView, TicketView
from roomcast.domain import money
from roomcast.domain.model import PublicUser
from roomcast.domain.payouts import PayoutAccount, Tip, TipState
from roomcast.domain.tickets import Phase, Ticket, TicketState, Window
from roomcast.web.schemas import Amount, Body, PersonOut


def _text(amount: int, currency: str) -> str:
    return money.format_amount(amount, currency)


class TicketOut(BaseModel):
    id: int
    sale_id: int
    state: TicketState = Field(description="held (at Checkout), paid, comp, released, refunded")
    valid: bool = Field(description="Opens the room and its replay")
    amount: int
    amount_text: str
    currency: str
    paid_at: datetime | None
    refunded_at: datetime | None
    feed_revoked: bool

    @staticmethod
    def of(t: Ticket) -> TicketOut:
        return TicketOut(
            id=t.id,
            sale_id=t.sale_id,
            state=t.state,
            valid=t.valid,
            amount=t.amount,
            amount_text=_text(t.amount, t.currency),
            currency=t.currency,
            paid_at=t.paid_at,
            refunded_at=t.refunded_at,
            feed_revoked=t.feed_revoked,
        )


class SaleOut(BaseModel):
    id: int
    title: str
    url: str = Field(description="The event's or room's page")
    host: PersonOut
    price: int
    price_text: str
    currency: str
    capacity: int | None
    seats_left: int | None
    window: Window
    phase: Phase
    on_sale: bool
    refusal: str | None = Field(description="Why tickets do not sell now")
    starts_at: datetime | None
    cancelled: bool
    my_ticket: TicketOut | None

    @staticmethod
    def of(v: SaleView) -> SaleOut:
        t = v.sale.terms
        return SaleOut(
            id=v.sale.id,
            title=v.title,
            url=v.url,
            host=PersonOut.of(v.host),
            price=t.price,
            price_text=v.price_text,
            currency=t.currency,
            capacity=t.capacity,
            seats_left=v.seats_left,
            window=t.window,
            phase=v.phase,
            on_sale=v.refusal is None,
            refusal=v.refusal,
            starts_at=v.starts_at,
            cancelled=v.sale.cancelled_at is not None,
            my_ticket=TicketOut.of(v.mine) if v.mine else None,
        )


class MyTicketOut(BaseModel):
    ticket: TicketOut
    sale: SaleOut
    episode_url: str | None = Field(description="The replay's page, once published")
    feed_url: str | None = Field(description="Your private feed of the replay, once asked for")

    @staticmethod
    def of(v: TicketView, base: str) -> MyTicketOut:
        return MyTicketOut(
            ticket=TicketOut.of(v.ticket),
            sale=SaleOut.of(v.sale),
            episode_url=f"{base}/episodes/{v.episode.id}" if v.episode else None,
            feed_url=v.feed_url,
        )


class MyTicketsOut(BaseModel):
    tickets: list[MyTicketOut]


class BuyerOut(BaseModel):
    ticket: TicketOut
    buyer: PersonOut


class CodeOut(BaseModel):
    code: str
    used: bool


class SalesReportOut(BaseModel):
    sale: SaleOut
    sold: int
    comps: int
    refunded: int
    held: int = Field(description="Seats held by buyers at Checkout now")
    gross: int
    fees: int = Field(description="The operator's application fees")
    net: int
    gross_text: str
    fees_text: str
    net_text: str
    buyers: list[BuyerOut]
    codes: list[CodeOut]

    @staticmethod
    def of(r: SalesReport) -> SalesReportOut:
        c, s = r.view.sale.terms.currency, r.summary
        return SalesReportOut(
            sale=SaleOut.of(r.view),
            sold=s.sold,
            comps=s.comps,
            refunded=s.refunded,
            held=s.held,
            gross=s.gross,
            fees=s.fees,
            net=s.net,
            gross_text=_text(s.gross, c),
            fees_text=_text(s.fees, c),
            net_text=_text(s.net, c),
            buyers=[BuyerOut(ticket=TicketOut.of(t), buyer=PersonOut.of(u)) for t, u in r.buyers],
            codes=[CodeOut(code=code, used=by is not None) for code, by in r.codes],
        )


class CodesIn(Body):
    count: int = Field(1, ge=1, le=200)


class CodesOut(BaseModel):
    codes: list[str]


class RedeemIn(Body):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=16)]


class RefundedOut(BaseModel):
    refunded: int


class PayoutAccountOut(BaseModel):
    provider: str = Field(description="stripe, local (development) or none")
    connected: bool
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    requirements_due: list[str] = []
    currency: str | None = None
    tip_presets: list[int] = Field([], description="What listeners may tip you, minor units")
    fee_percent: float = Field(description="The operator's cut of each ticket and tip")

    @staticmethod
    def of(a: PayoutAccount | None, provider: str, fee: float) -> PayoutAccountOut:
        if a is None:
            return PayoutAccountOut(provider=provider, connected=False, fee_percent=fee)
        return PayoutAccountOut(
            provider=provider,
            connected=True,
            charges_enabled=a.charges_enabled,
            payouts_enabled=a.payouts_enabled,
            details_submitted=a.details_submitted,
            requirements_due=list(a.requirements_due),
            currency=a.currency,
            tip_presets=list(money.tip_presets(a.currency)),
            fee_percent=fee,
        )


class TipIn(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    amount: Amount
    room_id: (
        Annotated[str, StringConstraints(max_length=24, pattern=r"^[A-Za-z0-9_-]+$")] | None
    ) = None
    episode_id: (
        Annotated[str, StringConstraints(max_length=24, pattern=r"^[A-Za-z0-9_-]+$")] | None
    ) = None


class TipOut(BaseModel):
    id: int
    giver: PersonOut
    amount: int
    amount_text: str
    currency: str
    state: TipState
    paid_at: datetime | None
    room_id: str | None
    episode_id: str | None

    @staticmethod
    def of(t: Tip, giver: PublicUser) -> TipOut:
        return TipOut(
            id=t.id,
            giver=PersonOut.of(giver),
            amount=t.amount,
            amount_text=_text(t.amount, t.currency),
            currency=t.currency,
            state=t.state,
            paid_at=t.paid_at,
            room_id=t.room_id,
            episode_id=t.episode_id,
        )


class TipOptionsOut(BaseModel):
    currency: str | None = Field(description="None: they take no tips")
    presets: list[int] = Field(description="Minor units; empty: they take no tips")
    presets_text: list[str]


class TipsOut(BaseModel):
    tips: list[TipOut]
