"""The one place PDFs get a font that carries every Vietnamese letter (DejaVu Sans, Debian's fonts-dejavu-core)."""

from __future__ import annotations

import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(os.environ.get("REGISTRY_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces once per process; return their names."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return REGULAR, BOLD
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise RuntimeError(f"PDFs need DejaVu Sans in {FONT_DIR} (Debian: fonts-dejavu-core)")
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD
