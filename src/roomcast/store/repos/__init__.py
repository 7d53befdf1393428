"""Repositories: domain objects in, domain objects out. One small class per aggregate, one
module per group of them. Rows never leave this package."""

from roomcast.store.repos.clubs import ClubRepo
from roomcast.store.repos.interaction import ChatRepo, PollRepo, QuestionRepo
from roomcast.store.repos.payments import (
    PaymentEventRepo,
    PayoutAccountRepo,
    SaleRepo,
    TicketRepo,
    TipRepo,
)
from roomcast.store.repos.podcasts import EpisodeRepo, JobRepo, ShowRepo
from roomcast.store.repos.rooms import ParticipantRepo, RoomRepo
from roomcast.store.repos.safety import BanRepo, RemovalRepo, ReportRepo
from roomcast.store.repos.search import SearchRepo
from roomcast.store.repos.social import EventRepo, FollowRepo, NotificationRepo
from roomcast.store.repos.users import DeviceRepo, SessionRepo, UserRepo

__all__ = [
    "TipRepo",
    "TicketRepo",
    "SaleRepo",
    "PayoutAccountRepo",
    "PaymentEventRepo",
    "BanRepo",
    "ChatRepo",
    "ClubRepo",
    "DeviceRepo",
    "EpisodeRepo",
    "EventRepo",
    "FollowRepo",
    "JobRepo",
    "NotificationRepo",
    "ParticipantRepo",
    "PollRepo",
    "QuestionRepo",
    "RemovalRepo",
    "ReportRepo",
    "RoomRepo",
    "SearchRepo",
    "SessionRepo",
    "ShowRepo",
    "UserRepo",
]
