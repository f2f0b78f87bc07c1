"""Every model, imported so the metadata and Alembic see all tables."""

from registry.models.activity import SupportActivity
from registry.models.audit import AuditCheckpoint, AuditEntry
from registry.models.batch import Batch, TraceEvent
from registry.models.certificate import Certificate, CertificateEvent
from registry.models.epcis import EpcisCapture, EpcisEvent, EpcisEventEpc
from registry.models.organization import CertificationBody, Organization
from registry.models.outbox import OutboxMessage
from registry.models.place import Commune, Province
from registry.models.plan import Plan, ReportedFigure, Target
from registry.models.product import Product, ProductStandard
from registry.models.report import ConsumerReport
from registry.models.standard import Standard, StandardLink
from registry.models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditCheckpoint",
    "AuditEntry",
    "Batch",
    "Certificate",
    "CertificateEvent",
    "CertificationBody",
    "Commune",
    "ConsumerReport",
    "EpcisCapture",
    "EpcisEvent",
    "EpcisEventEpc",
    "Organization",
    "OutboxMessage",
    "Plan",
    "Product",
    "ProductStandard",
    "Province",
    "ReportedFigure",
    "Standard",
    "StandardLink",
    "SupportActivity",
    "Target",
    "TraceEvent",
    "User",
]
