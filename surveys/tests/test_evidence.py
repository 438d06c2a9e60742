"""Evidence files: the type decides the names, the limits hold under concurrent uploads, macros and
legacy Office files are refused, a virus scanner (a real clamd) is asked when configured, and only
questions that take evidence take files. The request size cap is in common/tests."""

import io
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from surveys.models import Evidence, Response
from surveys.services import SurveyError, evidence_add

from .conftest import PDF, PNG
from .factories import ResponseFactory, SurveyYearFactory
from .test_respondent import upload

MB = 1024 * 1024


def thai(message: str) -> str:
    """The message as the page shows it (Django escapes quotes and ampersands)."""
    return message.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#x27;")


# ---------------------------------------------------------------------------------------------
# 1. The type decides the stored extension and the download name


def test_a_pdf_named_html_is_stored_and_downloaded_as_a_pdf(client, response, respondent):
    client.force_login(respondent)
    assert upload(client, response, "REPORT", PDF, name="poly.html").status_code == 200
    evidence = Evidence.objects.get(response=response)
    assert evidence.file.name.endswith(".pdf")
    download = client.get(reverse("surveys:evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="poly.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    download.close()


def test_the_download_name_is_safe_in_a_header_and_a_file_system(client, response, respondent):
    client.force_login(respondent)
    name = 'evil"\r\nSet-Cookie: a=b;..\\x.exe'
    evidence = evidence_add(
        response=response,
        question=response.year.questions.get(code="REPORT"),
        upload=SimpleUploadedFile(name, PNG),
        user=respondent,
    )
    download = client.get(reverse("surveys:evidence", args=[evidence.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="x.png"'
    download.close()


def test_a_thai_download_name_keeps_its_letters(client, response, respondent):
    client.force_login(respondent)
    upload(client, response, "REPORT", PDF, name="แผนงาน.htm")
    evidence = Evidence.objects.get(response=response)
    download = client.get(reverse("surveys:evidence", args=[evidence.pk]))
    # RFC 6266's filename* for a name outside ASCII: แผนงาน.pdf, percent-encoded.
    assert download["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E0%B9%81%E0%B8%9C%E0%B8%99%E0%B8%87%E0%B8%B2%E0%B8%99.pdf"
    )
    download.close()


# ---------------------------------------------------------------------------------------------
# 2. Limits per question and per response


def test_a_question_takes_at_most_the_configured_number_of_files(
    client, response, respondent, settings
):
    settings.EVIDENCE_MAX_FILES_PER_QUESTION = 2
    client.force_login(respondent)
    assert upload(client, response, "REPORT", name="one.pdf").status_code == 200
    assert upload(client, response, "REPORT", name="two.pdf").status_code == 200
    third = upload(client, response, "REPORT", name="three.pdf")
    assert third.status_code == 422
    assert thai("แต่ละข้อมีไฟล์หลักฐานได้ไม่เกิน 2 ไฟล์ กรุณาลบไฟล์เดิมออกก่อนเพิ่ม three.pdf") in (third.text)
    assert Evidence.objects.filter(response=response).count() == 2
    # Another question of the same response still takes files.
    assert upload(client, response, "HASPLAN", name="plan.pdf").status_code == 200


def test_a_question_takes_at_most_the_configured_megabytes(client, response, respondent, settings):
    settings.EVIDENCE_MAX_MB_PER_QUESTION = 1
    client.force_login(respondent)
    assert upload(client, response, "REPORT", PDF + b"0" * 600_000, name="a.pdf").status_code == 200
    second = upload(client, response, "REPORT", PDF + b"0" * 600_000, name="b.pdf")
    assert second.status_code == 422
    assert "ไฟล์หลักฐานของแต่ละข้อรวมกันได้ไม่เกิน 1 MB หากเพิ่ม b.pdf จะรวมเป็น 1.1 MB" in second.text
    assert Evidence.objects.filter(response=response).count() == 1


def test_a_response_takes_at_most_the_configured_files_and_megabytes(
    client, response, respondent, settings
):
    settings.EVIDENCE_MAX_FILES_PER_RESPONSE = 2
    client.force_login(respondent)
    assert upload(client, response, "REPORT", name="one.pdf").status_code == 200
    assert upload(client, response, "HASPLAN", name="two.pdf").status_code == 200
    third = upload(client, response, "HASPLAN", name="three.pdf")
    assert third.status_code == 422
    assert "แบบสำรวจหนึ่งชุดมีไฟล์หลักฐานรวมกันได้ไม่เกิน 2 ไฟล์" in third.text

    settings.EVIDENCE_MAX_FILES_PER_RESPONSE = 100
    settings.EVIDENCE_MAX_MB_PER_RESPONSE = 1
    big = upload(client, response, "HASPLAN", PDF + b"0" * MB, name="big.pdf")
    assert big.status_code == 422
    assert "ไฟล์หลักฐานของแบบสำรวจหนึ่งชุดรวมกันได้ไม่เกิน 1 MB หากเพิ่ม big.pdf" in big.text
    assert Evidence.objects.filter(response=response).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_uploads_at_once_cannot_both_pass_the_limit(settings, agency, respondent):
    """Both uploads wait on the response's row lock, which the test holds; once it lets go, the
    second to get the lock must see the first one's file. A check made before the lock would let
    both through (each counted no file)."""
    from .conftest import build_questionnaire

    settings.EVIDENCE_MAX_FILES_PER_QUESTION = 1
    now = timezone.now()
    year = SurveyYearFactory(
        year=2569, opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=10)
    )
    build_questionnaire(year)
    year.status = year.Status.OPEN
    year.save()
    response = ResponseFactory(year=year, agency=agency)
    question = year.questions.get(code="REPORT")
    outcomes = []

    def add(name):
        try:
            evidence_add(
                response=response, question=question,
                upload=SimpleUploadedFile(name, PDF), user=respondent,
            )  # fmt: skip
            outcomes.append("kept")
        except SurveyError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(f"file-{n}.pdf",)) for n in (1, 2)]
    with transaction.atomic():
        Response.objects.select_for_update().get(pk=response.pk)
        for thread in threads:
            thread.start()
        _wait_for_lock_waiters(2)
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2
    assert outcomes.count("kept") == 1
    refused = next(outcome for outcome in outcomes if outcome != "kept")
    assert refused.startswith("แต่ละข้อมีไฟล์หลักฐานได้ไม่เกิน 1 ไฟล์ กรุณาลบไฟล์เดิมออกก่อนเพิ่ม file-")
    assert Evidence.objects.filter(response=response).count() == 1


def _wait_for_lock_waiters(count: int) -> None:
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Within a transaction PostgreSQL shows one snapshot of the activity unless told.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.05)
    pytest.fail(f"{count} uploads never waited on the response's lock")


# ---------------------------------------------------------------------------------------------
# 4. Office files with macros, and legacy Office files

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>{extra}'
    '<Override PartName="/{main}" ContentType="{main_type}"/></Types>'
)
VBA_TYPE = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
OOXML = {  # kind: (main part, its content type, its macro-enabled content type)
    "docx": ("word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             "application/vnd.ms-word.document.macroEnabled.main+xml"),
    "xlsx": ("xl/workbook.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
             "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
             "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"),
}  # fmt: skip


def office_file(kind: str, *, macros: bool, declared: bool | None = None) -> bytes:
    """An Office Open XML package as Office writes one: content types first, then the parts; with
    `macros` a VBA project beside the main part, declared as macro-enabled unless `declared` is
    False (a .docm renamed to .docx with its content types edited)."""
    main, main_type, macro_type = OOXML[kind]
    declared = macros if declared is None else declared
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES.format(
            extra=VBA_TYPE if declared else "", main=main,
            main_type=macro_type if declared else main_type,
        ))  # fmt: skip
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr(main, "<document/>")
        if macros:
            package.writestr(main.split("/")[0] + "/vbaProject.bin", b"\xcc\x61" + b"\0" * 510)
    return buffer.getvalue()


def open_document(*, macros: bool) -> bytes:
    """An OpenDocument text: its `mimetype` first and stored, as the standard asks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        if macros:
            package.writestr("Basic/Standard/Module1.xml", "<script:module/>")
    return buffer.getvalue()


def legacy_word_file() -> bytes:
    """The first kilobyte of a Word 97-2003 document: the OLE compound file header, then the Word
    file information block's magic where Word puts it (what `filetype` recognises as .doc)."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16 + bytes.fromhex("3e000300feff0900")
    return header.ljust(512, b"\0") + bytes.fromhex("eca5c100") + b"\0" * 1020


MACRO_REFUSAL = (
    "{name} มีมาโคร ซึ่งอาจทำงานบนเครื่องของผู้ที่เปิดไฟล์ กรุณาบันทึกโดยไม่มีมาโคร "
    "(เป็น .docx, .xlsx, .pptx หรือ PDF) แล้วอัปโหลดไฟล์นั้นแทน"
)


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_office_files_without_macros_are_kept(client, response, respondent, kind):
    client.force_login(respondent)
    result = upload(client, response, "REPORT", office_file(kind, macros=False), f"plan.{kind}")
    assert result.status_code == 200
    assert Evidence.objects.get(response=response).file.name.endswith(f".{kind}")


@pytest.mark.parametrize(
    ("kind", "name"), [("docx", "plan.docm"), ("xlsx", "budget.xlsm"), ("pptx", "slides.pptm")]
)
def test_macro_enabled_office_files_are_refused(client, response, respondent, kind, name):
    client.force_login(respondent)
    result = upload(client, response, "REPORT", office_file(kind, macros=True), name)
    assert result.status_code == 422
    assert thai(MACRO_REFUSAL.format(name=name)) in result.text
    assert not Evidence.objects.exists()


def test_a_vba_project_renamed_to_docx_is_refused(client, response, respondent):
    client.force_login(respondent)
    content = office_file("docx", macros=True, declared=False)
    result = upload(client, response, "REPORT", content, "plan.docx")
    assert result.status_code == 422
    assert thai(MACRO_REFUSAL.format(name="plan.docx")) in result.text


def test_an_open_document_is_kept_without_macros_and_refused_with_them(
    client, response, respondent
):
    client.force_login(respondent)
    assert (
        upload(client, response, "REPORT", open_document(macros=False), "a.odt").status_code == 200
    )
    refused = upload(client, response, "REPORT", open_document(macros=True), "b.odt")
    assert refused.status_code == 422
    assert thai(MACRO_REFUSAL.format(name="b.odt")) in refused.text
    assert Evidence.objects.filter(response=response).count() == 1


def test_a_damaged_office_file_is_refused(client, response, respondent):
    client.force_login(respondent)
    truncated = office_file("docx", macros=False)[:-40]  # the archive's directory cut short
    result = upload(client, response, "REPORT", truncated, "plan.docx")
    assert result.status_code == 422
    assert (
        thai(
            "plan.docx ดูเหมือนเป็นเอกสารสำนักงานแต่เปิดอ่านไม่ได้ ไฟล์อาจเสียหาย กรุณาบันทึกใหม่แล้วอัปโหลดไฟล์นั้นแทน"
        )
        in result.text
    )
    assert not Evidence.objects.exists()


def test_a_legacy_office_file_is_refused(client, response, respondent):
    client.force_login(respondent)
    result = upload(client, response, "REPORT", legacy_word_file(), "plan.doc")
    assert result.status_code == 422
    assert (
        thai(
            "plan.doc เป็นไฟล์ Office 97-2003 (.doc, .xls หรือ .ppt) ซึ่งอาจซ่อนมาโครไว้ได้ "
            "กรุณาบันทึกเป็น .docx, .xlsx, .pptx หรือ PDF แล้วอัปโหลดไฟล์นั้นแทน"
        )
        in result.text
    )
    assert not Evidence.objects.exists()


# ---------------------------------------------------------------------------------------------
# 6. Only questions that take evidence take files


@pytest.mark.parametrize("code", ["CHOICE", "STAFF", "NOTES", "CHANNELS"])
def test_a_question_that_takes_no_evidence_refuses_files(client, response, respondent, code):
    client.force_login(respondent)
    result = upload(client, response, code)
    assert result.status_code == 422
    assert "ข้อนี้ไม่รับไฟล์หลักฐาน" in result.text
    assert not Evidence.objects.exists()


def test_a_question_of_another_year_refuses_files(response, respondent):
    other_year = SurveyYearFactory(year=2570)
    from .conftest import build_questionnaire

    question = build_questionnaire(other_year)["REPORT"]
    with pytest.raises(SurveyError, match=r"^ข้อนี้ไม่รับไฟล์หลักฐาน$"):
        evidence_add(
            response=response, question=question, upload=SimpleUploadedFile("a.pdf", PDF),
            user=respondent,
        )  # fmt: skip
    assert not Evidence.objects.exists()


# ---------------------------------------------------------------------------------------------
# 5. The virus scanner: a real clamd with a one-line signature database for the EICAR test file

# The EICAR anti-virus test file, put together here so that this source file is not itself one.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Dgaweb.Test.EICAR"


def _clamd_binary() -> str | None:
    found = shutil.which("clamd")
    return found or next((path for path in ("/usr/sbin/clamd",) if os.access(path, os.X_OK)), None)


def _clamd_answers(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            probe.connect(path)
            probe.sendall(b"zPING\0")
            return probe.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def clamd():
    """A clamd of our own: its socket and a signature database of one line (EICAR anywhere in a
    file, as an .ndb body signature), so it needs no download of ClamAV's databases."""
    binary = _clamd_binary()
    if binary is None:
        pytest.fail(
            "clamd is not installed, and the virus-scanner tests need a real one: "
            "apt-get install clamav-daemon (.ci/run installs it)."
        )
    directory = tempfile.mkdtemp(prefix="dgaweb-clamd-")
    database = os.path.join(directory, "db")
    os.mkdir(database)
    with open(os.path.join(database, "dgaweb.ndb"), "w") as signatures:
        signatures.write(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    path = os.path.join(directory, "clamd.sock")
    config = os.path.join(directory, "clamd.conf")
    with open(config, "w") as lines:
        lines.write(
            f"Foreground yes\nLocalSocket {path}\nDatabaseDirectory {database}\n"
            f"TemporaryDirectory {directory}\nLogFile {directory}/clamd.log\n"
            f"PidFile {directory}/clamd.pid\nStreamMaxLength 25M\nSelfCheck 0\n"
        )
    log = open(os.path.join(directory, "output.log"), "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [binary, "--config-file", config], stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _clamd_answers(path):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"clamd did not start:\n{log.read()[-3000:]}")
            time.sleep(0.2)
        yield path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def test_clamd_finds_the_eicar_string(clamd, settings):
    from surveys.evidence import clamd_instream

    settings.CLAMD_SOCKET = clamd
    assert clamd_instream(SimpleUploadedFile("eicar.com", EICAR)) == f"{SIGNATURE}.UNOFFICIAL"
    assert clamd_instream(SimpleUploadedFile("plan.pdf", PDF)) is None


def test_an_infected_upload_is_refused_and_a_clean_one_kept(
    client, response, respondent, settings, clamd, caplog
):
    settings.CLAMD_SOCKET = clamd
    client.force_login(respondent)
    infected = PDF + b"%" + EICAR + b"\n"
    with caplog.at_level(logging.WARNING, logger="surveys.evidence"):
        refused = upload(client, response, "REPORT", infected, "infected.pdf")
    assert refused.status_code == 422
    assert thai(f"พบไวรัส ({SIGNATURE}.UNOFFICIAL) ใน infected.pdf จึงไม่ได้บันทึกไฟล์") in (refused.text)
    assert "infected.pdf" in caplog.text
    assert not Evidence.objects.exists()

    assert upload(client, response, "REPORT", PDF, "clean.pdf").status_code == 200
    assert Evidence.objects.get(response=response).original_name == "clean.pdf"


def test_a_configured_scanner_that_is_down_refuses_every_upload(
    client, response, respondent, settings, caplog
):
    settings.CLAMD_SOCKET = os.path.join(tempfile.mkdtemp(), "nobody-listens.sock")
    client.force_login(respondent)
    with caplog.at_level(logging.ERROR, logger="surveys.evidence"):
        result = upload(client, response, "REPORT", PDF, "plan.pdf")
    assert result.status_code == 422
    assert (
        thai(
            "ขณะนี้ตรวจหาไวรัสใน plan.pdf ไม่ได้ จึงยังไม่ได้บันทึกไฟล์ กรุณาลองใหม่ภายหลัง "
            "หากยังเป็นเช่นนี้ โปรดแจ้ง สพร."
        )
        in result.text
    )
    assert "plan.pdf" in caplog.text
    assert "clamd" in caplog.text
    assert not Evidence.objects.exists()


def test_a_scanner_on_a_tcp_port_that_is_down_refuses_too(response, respondent, settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", port
    with pytest.raises(SurveyError, match=r"ขณะนี้ตรวจหาไวรัสใน plan\.pdf ไม่ได้"):
        evidence_add(
            response=response, question=response.year.questions.get(code="REPORT"),
            upload=SimpleUploadedFile("plan.pdf", PDF), user=respondent,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 3. The request size cap (through a real server: common/tests/test_request_size.py)


def test_an_upload_over_the_request_cap_gets_413_and_a_thai_message(
    client, response, respondent, settings
):
    settings.REQUEST_MAX_MB = 1
    client.force_login(respondent)
    result = upload(client, response, "REPORT", PDF + b"0" * (2 * MB), "big.pdf")
    assert result.status_code == 413
    assert "ข้อมูลที่ส่งมีขนาด 2 MB แต่ระบบรับได้ครั้งละไม่เกิน 1 MB กรุณาเลือกไฟล์ที่เล็กลง" in result.text
    # htmx puts the message above the page's content, leaving the question's evidence box as it is.
    assert result["HX-Retarget"] == "#content"
    assert not Evidence.objects.exists()


def test_an_upload_over_the_request_cap_without_htmx_gets_a_page(
    client, response, respondent, settings
):
    settings.REQUEST_MAX_MB = 1
    client.force_login(respondent)
    url = reverse("surveys:upload", args=[response.pk, "REPORT"])
    result = client.post(url, {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * (2 * MB))})
    assert result.status_code == 413
    assert '<h1 class="h3">ไฟล์มีขนาดใหญ่เกินไป</h1>' in result.text
