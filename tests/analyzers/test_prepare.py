from __future__ import annotations

import pytest

from cx_nlp.analyzers.prepare import (
    MARKUP_REMOVED,
    TRUNCATED,
    PrepareAnalyzer,
    PrepareConfig,
    clean_text,
    mask_pii,
)
from cx_nlp.schema import Doc, PiiKind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>Ottimo <b>servizio</b></p><br/>Tutto &amp; bene", "Ottimo servizio\nTutto & bene"),
        ("Cafe\u0301  e\u00a0cornetto\t\tbuoni", "Café e cornetto buoni"),
        ("  Sehr   gut!\r\n\r\n Danke ", "Sehr gut!\nDanke"),
        ("Zero\u200bwidth\x07 bell", "Zerowidth bell"),
        ("😡😡😡 👍🏽", "😡😡😡 👍🏽"),
        ("3 < 5 e 7 > 2", "3 < 5 e 7 > 2"),
    ],
)
def test_clean_text_normalises(raw: str, expected: str) -> None:
    assert clean_text(raw)[0] == expected


def test_clean_text_reports_markup() -> None:
    assert clean_text("<div>Bom</div>")[1] == [MARKUP_REMOVED]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Scrivete a mario.rossi@example.com subito", [PiiKind.EMAIL]),
        ("Chiamatemi al +39 333 1234567 domani", [PiiKind.PHONE]),
        ("Llamadme al 612 345 678 por favor", [PiiKind.PHONE]),
        ("Voir https://www.example.fr/commande?id=4 et www.example.com", [PiiKind.URL] * 2),
        ("Bestellung vom 2025-01-15, Nr. 48213", []),
        ("Pedido 1.299,90 € pago em 12/03/2025", []),
    ],
)
def test_mask_pii_finds_kinds(text: str, kinds: list[PiiKind]) -> None:
    masked, spans = mask_pii(text)
    assert [span.kind for span in spans] == kinds
    for span in spans:
        assert masked[span.start : span.end] == f"[{span.kind.value.upper()}]"


def test_prepare_truncates_with_warning() -> None:
    analyzer = PrepareAnalyzer(PrepareConfig(max_chars=10), max_chars=100)
    doc = analyzer([Doc(id="1", raw_text="Lorem ipsum dolor sit amet")])[0]
    assert doc.text == "Lorem ipsu"
    assert TRUNCATED in doc.warnings


def test_prepare_keeps_pii_when_masking_is_off() -> None:
    analyzer = PrepareAnalyzer(PrepareConfig(mask_pii=False), max_chars=100)
    doc = analyzer([Doc(id="1", raw_text="mail: a@example.com")])[0]
    assert doc.text == "mail: a@example.com"
    assert doc.pii == []
