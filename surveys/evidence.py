"""What an evidence file may be, and the checks it passes before it is kept.

Guarantees:
- a file's type is recognised from its bytes (filetype), never from its name, and only the types in
  EVIDENCE_TYPES are kept; the stored name and the download name both end in the type's extension
  (a PDF uploaded as `poly.html` downloads as `poly.pdf`);
- no office file that can run a macro is kept: an Office Open XML file (docx/xlsx/pptx and their
  macro-enabled siblings docm/xlsm/pptm) holding a VBA project or an Excel 4 macro sheet, or
  declaring a macro-enabled type, and an OpenDocument file holding Basic or scripts, are refused;
- legacy Office files (.doc, .xls, .ppt: OLE compound files) are refused whole, with or without
  macros: a VBA project hides inside them where a simple reader cannot see it for certain (in a
  .ppt it is compressed inside the document stream), and every Office since 2007 saves the OOXML
  forms, which are checked as above;
- when clamd is configured (CLAMD_SOCKET, or CLAMD_HOST and CLAMD_PORT), every file is streamed to
  it (the INSTREAM command) before it is kept and refused if clamd finds a virus; when clamd cannot
  be reached or answers with an error the file is refused too (fail closed) and the reason logged.
"""

import logging
import socket
import struct
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .models import Question

logger = logging.getLogger(__name__)

# The kinds of question that take evidence files (the questionnaire page shows their upload form).
EVIDENCE_KINDS = (Question.Kind.YES_NO, Question.Kind.FILE)

EVIDENCE_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
OOXML_TYPES = {mime for mime in EVIDENCE_TYPES if "openxmlformats" in mime}
ODF_TYPES = {mime for mime in EVIDENCE_TYPES if "opendocument" in mime}
# Every OLE compound file (legacy .doc, .xls, .ppt, .msg …) starts with these bytes.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class EvidenceRefused(Exception):
    """The file may not be kept; `str(error)` is the message for the user."""


@dataclass(frozen=True)
class EvidenceType:
    mime: str
    extension: str


def evidence_type(upload: UploadedFile) -> EvidenceType:
    """The type the file's bytes say it is, if it is one evidence may be. Raises EvidenceRefused."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if head.startswith(OLE_MAGIC):
        raise EvidenceRefused(
            _(
                "%(name)s is an Office 97-2003 file (.doc, .xls or .ppt), which may hide macros. "
                "Save it as .docx, .xlsx, .pptx or PDF and upload that."
            )
            % {"name": upload.name}
        )
    kind = filetype.guess(head)
    if kind is None or kind.mime not in EVIDENCE_TYPES:
        raise EvidenceRefused(
            _("%(name)s is not a PDF, an image or an office document (its content says %(type)s).")
            % {"name": upload.name, "type": kind.mime if kind else _("unknown type")}
        )
    if kind.mime in OOXML_TYPES | ODF_TYPES and _has_macros(upload, kind.mime):
        raise EvidenceRefused(
            _(
                "%(name)s contains macros, which could run on the computers of those who open it. "
                "Save it without macros (as .docx, .xlsx, .pptx or PDF) and upload that."
            )
            % {"name": upload.name}
        )
    return EvidenceType(mime=kind.mime, extension=kind.extension)


def _has_macros(upload: UploadedFile, mime: str) -> bool:
    """Whether an OOXML or OpenDocument zip holds macro code. Raises EvidenceRefused when the
    archive cannot be read to tell."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = {name.lower(): name for name in archive.namelist()}
            if mime in ODF_TYPES:
                return any(name.startswith(("basic/", "scripts/")) for name in names)
            if any(name.endswith("vbaproject.bin") or "/macrosheets/" in name for name in names):
                return True
            if "[content_types].xml" not in names:
                return False
            with archive.open(names["[content_types].xml"]) as types:
                declared = types.read(1024 * 1024).lower()
            return b"macroenabled" in declared or b"vbaproject" in declared
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError):
        # Not kept: what a damaged archive holds cannot be told.
        raise EvidenceRefused(
            _(
                "%(name)s looks like an office document but cannot be opened; it may be damaged. "
                "Save it again and upload that."
            )
            % {"name": upload.name}
        ) from None
    finally:
        upload.seek(0)


def download_name(original_name: str, mime: str) -> str:
    """The name a download is offered under: the uploader's name without characters a file system
    or a header could trip on, ending in the extension of the type the content was found to be."""
    stem = original_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem.strip(".") else stem
    stem = "".join(
        " " if char in '"\\/:*?<>|;' or not char.isprintable() else char for char in stem
    )
    stem = " ".join(stem.split()).strip(". ")[:150] or "evidence"
    known = filetype.get_type(mime=mime)
    return f"{stem}.{known.extension}" if known else stem


# ---------------------------------------------------------------------------------------------
# The virus scanner: clamd's INSTREAM command (https://docs.clamav.net/manual/Usage/Scanning.html)


class ScannerUnavailable(Exception):
    pass


def scanner_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def scan_for_viruses(upload: UploadedFile) -> None:
    """Refuse the file if clamd finds a virus in it, or if clamd is configured but cannot say.
    Does nothing when no clamd is configured."""
    if not scanner_configured():
        return
    try:
        found = clamd_instream(upload)
    except (OSError, ScannerUnavailable) as error:
        logger.error(
            "Evidence %r refused: the virus scanner (clamd) failed: %s", upload.name, error
        )
        raise EvidenceRefused(
            _(
                "%(name)s cannot be checked for viruses right now, so it was not kept. "
                "Try again later; if this goes on, tell DGA."
            )
            % {"name": upload.name}
        ) from None
    if found:
        logger.warning("Evidence %r refused: clamd found %s", upload.name, found)
        raise EvidenceRefused(
            _("%(name)s contains a virus (%(virus)s) and was not kept.")
            % {"name": upload.name, "virus": found}
        )


def clamd_instream(upload: UploadedFile, chunk_size: int = 64 * 1024) -> str | None:
    """The name of the virus clamd finds in the file, or None if it finds none.
    Raises OSError or ScannerUnavailable when clamd cannot be reached or answers with an error."""
    if settings.CLAMD_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address = settings.CLAMD_SOCKET
    else:
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = (settings.CLAMD_HOST, settings.CLAMD_PORT)
    with connection:
        connection.settimeout(settings.CLAMD_TIMEOUT)
        connection.connect(address)
        connection.sendall(b"zINSTREAM\0")
        upload.seek(0)
        while chunk := upload.read(chunk_size):
            connection.sendall(struct.pack("!L", len(chunk)) + chunk)
        upload.seek(0)
        connection.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            received = connection.recv(4096)
            if not received:
                break
            reply += received
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: <virus name> FOUND" or "<reason> ERROR"
    if answer == "stream: OK":
        return None
    if answer.startswith("stream: ") and answer.endswith(" FOUND"):
        return answer.removeprefix("stream: ").removesuffix(" FOUND")
    raise ScannerUnavailable(f"clamd answered {answer!r}")
