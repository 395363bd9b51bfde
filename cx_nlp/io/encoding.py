"""Text encodings of delimited and JSONL files: detection, line decoding, per-field recovery.

Detection (``encoding="auto"``) looks at the first MiB:

1. a byte-order mark: UTF-8, UTF-16 or UTF-32 (LE/BE);
2. no BOM but NUL bytes in every other position: UTF-16 LE/BE;
3. ``cp1252`` (Latin-1 as Windows exports it) when no byte sequence is valid UTF-8
   multi-byte text and the high bytes sit next to ASCII letters (accented letters);
   otherwise ``utf-8``, also for a file whose rows come from different systems. Wrongly
   taking UTF-8 costs a warning per recovered field; wrongly taking cp1252 would garble
   every UTF-8 row, so ties go to UTF-8.

ASCII-compatible encodings are decoded line by line with ``surrogateescape``: a row with
bytes that are not valid in the file's encoding keeps them as lone surrogates, so one bad
row is one bad row, not a failed file. With ``auto``, such a field is then recovered as
Windows-1252 when the result looks like text (see :func:`recover_field`); otherwise, or
with an explicit ``--encoding``, the row is rejected as ``invalid_encoding``. UTF-16 and
UTF-32 are decoded strictly: a decoding failure stops the run naming the byte offset.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cx_nlp.errors import FileInputError

AUTO = "auto"
SAMPLE_BYTES = 1 << 20
RECOVERY_ENCODING = "cp1252"
# At most this share of a recovered field's non-space characters may be non-ASCII: Latin-1
# text in a Western European language is mostly ASCII; random bytes are mostly not.
MAX_RECOVERED_NON_ASCII = 0.3

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\udc80-\udcff]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True)
class TextEncoding:
    """How a file's bytes become text."""

    name: str  # a Python codec name, as reported in the summary
    skip: int = 0  # bytes of a UTF-8 byte-order mark to skip
    detected: bool = False  # chosen by detection, so undecodable fields may be recovered

    @property
    def ascii_compatible(self) -> bool:
        """Whether ``\\n`` is the byte 0x0A, so lines can be split before decoding."""
        return not codecs.lookup(self.name).name.startswith(("utf-16", "utf-32"))


def choose_encoding(path: Path, requested: str = AUTO) -> TextEncoding:
    """The encoding of ``path``: ``requested`` unless it is ``auto``, else detected.

    Raises:
        FileInputError: ``requested`` is not a codec Python knows.
    """
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if requested.lower() != AUTO:
        try:
            name = codecs.lookup(requested).name
        except LookupError:
            raise FileInputError(
                f"Unknown encoding '{requested}'; use auto, utf-8, utf-16, cp1252, latin-1, ..."
            ) from None
        skip = len(codecs.BOM_UTF8) if name == "utf-8" and sample.startswith(codecs.BOM_UTF8) else 0
        return TextEncoding(name, skip=skip)
    return detect_encoding(sample)


def detect_encoding(sample: bytes) -> TextEncoding:
    """Detect the encoding of a file from its first bytes (see the module docstring)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            skip = len(bom) if name == "utf-8" else 0  # utf-16/32 codecs consume their BOM
            return TextEncoding(name, skip=skip, detected=True)
    pairs = sample[: len(sample) // 2 * 2]
    if pairs and pairs[1::2].count(0) > 0.3 * len(pairs) / 2 > pairs[0::2].count(0):
        return TextEncoding("utf-16-le", detected=True)
    if pairs and pairs[0::2].count(0) > 0.3 * len(pairs) / 2 > pairs[1::2].count(0):
        return TextEncoding("utf-16-be", detected=True)
    if _is_utf8(sample) or _UTF8_MULTIBYTE.search(sample) or not _looks_latin1(sample):
        return TextEncoding("utf-8", detected=True)
    return TextEncoding(RECOVERY_ENCODING, detected=True)


def _looks_latin1(sample: bytes) -> bool:
    """Whether the high bytes sit next to ASCII letters, as accented letters do ("caff\xe8"),
    unlike binary junk: a junk row must not make a UTF-8 file read as cp1252."""
    high = [match.start() for match in _HIGH_BYTE.finditer(sample)]
    beside_letter = sum(
        1
        for index in high
        if sample[index - 1 : index].isalpha() or sample[index + 1 : index + 2].isalpha()
    )
    return beside_letter >= 0.8 * len(high)


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3 and len(sample) == SAMPLE_BYTES  # a cut character
    return True


class TextLines:
    """The decoded lines of a binary file, tracking the byte position of what was handed out.

    Lines keep their line ends, as ``csv.reader`` expects. ``taken`` holds the lines handed
    out since the last :meth:`mark`, so that a broken CSV record can be split back into its
    physical lines.
    """

    def __init__(self, handle: BinaryIO, encoding: TextEncoding, *, name: str) -> None:
        self.encoding = encoding
        self.position = handle.tell()
        self.line_number = 0
        self.taken: list[str] = []
        self._name = name
        self._lines = (
            self._split_bytes(handle) if encoding.ascii_compatible else self._decode_stream(handle)
        )

    def mark(self) -> None:
        """Forget the lines taken so far (a record boundary)."""
        self.taken.clear()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.line_number += 1
        self.taken.append(line)
        return line

    def _split_bytes(self, handle: BinaryIO) -> Iterator[str]:
        name = self.encoding.name
        for raw in handle:
            self.position += len(raw)
            yield raw.decode(name, errors="surrogateescape")

    def _decode_stream(self, handle: BinaryIO) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding.name)(errors="strict")
        pending = ""
        newlines = 0
        while block := handle.read(1 << 16):
            buffered = decoder.getstate()[0]
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                # exc.start counts from the bytes the decoder held back from the last block
                offset = self.position - len(buffered) + exc.start
                valid = (buffered + block)[: exc.start]
                line = newlines + valid.decode(self.encoding.name, errors="ignore").count("\n")
                raise FileInputError(
                    f"'{self._name}' is not valid {self.encoding.name}: {exc.reason} at byte "
                    f"offset {offset} (line {line + 1}); pass --encoding with the file's real "
                    "encoding."
                ) from None
            newlines += text.count("\n")
            self.position += len(block)
            *lines, pending = (pending + text).split("\n")
            yield from (line + "\n" for line in lines)
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending


def has_undecodable(value: str) -> bool:
    """Whether ``value`` holds bytes kept as lone surrogates by ``surrogateescape``."""
    return _SURROGATE.search(value) is not None


def recover_field(value: str, encoding: TextEncoding) -> str | None:
    """``value`` with its undecodable bytes read as Windows-1252, or None when it is junk.

    Only for detected encodings: the field's original bytes are decoded as cp1252 and kept
    when the result has no control characters and is mostly ASCII.
    """
    if not encoding.detected:
        return None
    raw = value.encode(encoding.name, errors="surrogateescape")
    try:
        text = raw.decode(RECOVERY_ENCODING)
    except UnicodeDecodeError:
        return None  # bytes 0x81, 0x8d, 0x8f, 0x90, 0x9d are undefined in cp1252
    if _CONTROL.search(text):
        return None
    visible = [char for char in text if not char.isspace()]
    non_ascii = sum(1 for char in visible if ord(char) > 127)
    return text if non_ascii <= MAX_RECOVERED_NON_ASCII * len(visible) else None


def describe_undecodable(value: str, encoding: TextEncoding) -> str:
    """Where the first undecodable byte of ``value`` is, for an error message."""
    match = _SURROGATE.search(value)
    if match is None:
        return "no undecodable bytes"
    offset = len(value[: match.start()].encode(encoding.name, errors="surrogateescape"))
    byte = ord(match.group()) - 0xDC00
    return f"byte 0x{byte:02X} at byte {offset} of the field is not valid {encoding.name}"


def replace_undecodable(value: str) -> str:
    """``value`` with each undecodable byte replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)
