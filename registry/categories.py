"""The stored certificate category codes; their order is part of the signed token layout (never reorder)."""

CERTIFICATE_CATEGORIES = (
    "product_standard",
    "product_regulation",
    "management_system",
    "gap",
    "organic",
    "traceability",
    "declaration_standard",
    "declaration_regulation",
    "other",
)
