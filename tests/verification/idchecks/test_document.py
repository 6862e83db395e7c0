"""The document's checks (verification/idchecks/document.py), tried as a fraudster would.

Names as the MRZ writes them, given names, the birth century, every check digit, expiry and
its grace setting, the printed zone against the MRZ, straightening tilted and angled phone
photos, quality, and a photo of a document against a digital render.

Not here, because it is not the document's job: a forger's page carrying the victim's names
and date of birth with valid check digits, a matching printed zone and the forger's own
photo passes every check in this file. Only the face comparison (the document's face
against the live face) and the issuer's document check catch it.
"""

import datetime
from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest

from tests.verification.idchecks import media
from verification.idchecks import document

TODAY = datetime.date(2026, 12, 3)
BORN = datetime.date(1985, 4, 12)
EXPIRES = TODAY + datetime.timedelta(days=3 * 365)


def record(family_name="Smith", given_name="Jane", birth_date=BORN):
    return SimpleNamespace(family_name=family_name, given_name=given_name, birth_date=birth_date)


def td3(surname="SMITH", given_names="JANE", birth_date=BORN, expiry=EXPIRES, **kwargs):
    return media.mrz_lines(surname, given_names, birth_date, expiry, **kwargs)


def reading(lines):
    return document.reading_from_lines(lines)


def compared(lines, nhs_record, today=TODAY):
    return document.compare_with_record(reading(lines), nhs_record, today=today)


@cache
def read(page_kind: str):
    """A page of each kind, read once for the whole module (OCR takes a second or two)."""
    return document.read_document(np.asarray(PAGES[page_kind]()), "uk_passport")


@cache
def muller_page():
    return media.passport_page(surname="Müller", given_names="Jürgen Karl")


PAGES = {
    "muller": muller_page,
    "tilted 3": lambda: media.photographed(muller_page(), tilt=3, perspective=0, background=0.1),
    "tilted 7": lambda: media.photographed(muller_page(), tilt=7, perspective=0, background=0.1),
    "at an angle": lambda: media.photographed(muller_page(), tilt=2, perspective=0.1),
    "contradicting": lambda: media.passport_page(viz={"surname": "JONES"}),
    "other printed birth date": lambda: media.passport_page(
        viz={"birth_date": datetime.date(1979, 1, 2)}
    ),
}
MULLER = record("Müller", "Jürgen")


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "in_the_mrz"),
    [
        ("Müller", "MUELLER"),
        ("Østergård", "OESTERGAARD"),
        ("Strauß", "STRAUSS"),
        ("Muñoz", "MUNOZ"),
        ("Ĳsselmeer", "IJSSELMEER"),
        ("Þórsdóttir", "THORSDOTTIR"),
        ("Lœwe", "LOEWE"),
        ("Ærø", "AEROE"),
        ("Zoë Brontë-Hall", "ZOE<BRONTE<HALL"),
        ("O'Brien", "OBRIEN"),
    ],
)
def test_names_are_written_as_the_mrz_writes_them(name, in_the_mrz):
    assert document.icao_name(name) == in_the_mrz


def test_a_mrz_surname_mueller_matches_the_record_muller():
    result = compared(td3("MÜLLER", "JÜRGEN"), MULLER)
    assert result.outcome == "pass" and result.details["surname_matches"]


def test_a_mrz_surname_oestergaard_matches_the_record_ostergard():
    result = compared(td3("ØSTERGÅRD", "SØREN"), record("Østergård", "Søren"))
    assert result.outcome == "pass"


def test_a_record_written_without_its_accents_still_matches():
    assert compared(td3("MÜLLER", "JÜRGEN"), record("Muller", "Jurgen")).outcome == "pass"


def test_another_surname_fails():
    result = compared(td3("MILLER"), record("Müller"))
    assert result.outcome == "fail" and not result.details["surname_matches"]
    assert "surname" in result.summary


def test_a_wrong_given_name_fails():
    result = compared(td3(given_names="JOHN"), record(given_name="Jane"))
    assert result.outcome == "fail" and not result.details["given_names_match"]
    assert "given name" in result.summary


def test_the_records_first_given_name_must_be_the_documents_first_given_name():
    assert compared(td3(given_names="JANE MARY"), record(given_name="Jane")).outcome == "pass"
    assert compared(td3(given_names="JANE"), record(given_name="Jane Mary")).outcome == "pass"
    assert compared(td3(given_names="MARY JANE"), record(given_name="Jane")).outcome == "fail"
    assert compared(td3(given_names="ANNE MARIE"), record(given_name="Anne-Marie")).outcome == (
        "pass"
    )


def test_a_truncated_name_field_matches_the_start_of_the_records_name():
    surname = "WOLFESCHLEGELSTEINHAUSENBERGERDORFF"
    # 35 letters, <<, then room for 2 of "HUBERT BLAINE": the issuer cuts the field at 39.
    lines = td3(surname, "HU")
    fields = reading(lines).mrz
    assert fields.name_field_full
    result = compared(lines, record(surname.title(), "Hubert Blaine"))
    assert result.outcome == "pass" and result.details["name_field_full"]
    assert compared(lines, record(surname.title(), "Bertrand")).outcome == "fail"


# --- dates -----------------------------------------------------------------------------------


def test_a_birth_in_1926_is_not_read_as_2026():
    assert document.birth_date_of("261225", today=TODAY) == datetime.date(1926, 12, 25)
    born = datetime.date(1926, 4, 12)  # 2026-04-12 is in the past too: the record decides
    result = compared(td3(birth_date=born), record(birth_date=born))
    assert result.outcome == "pass" and result.details["birth_date_matches"]


def test_another_birth_date_fails():
    result = compared(td3(birth_date=datetime.date(1990, 1, 1)), record())
    assert result.outcome == "fail" and not result.details["birth_date_matches"]


def test_an_expired_document_fails(settings):
    settings.P9_DOCUMENT_EXPIRY_GRACE_DAYS = 0
    lines = td3(expiry=TODAY - datetime.timedelta(days=10))
    result = compared(lines, record())
    assert result.outcome == "fail" and not result.details["not_expired"]
    assert "expired" in result.summary


def test_an_expired_document_passes_within_the_grace_setting(settings):
    settings.P9_DOCUMENT_EXPIRY_GRACE_DAYS = 30
    lines = td3(expiry=TODAY - datetime.timedelta(days=10))
    result = compared(lines, record())
    assert result.outcome == "pass" and result.details["within_expiry_rule"]
    assert not result.details["not_expired"]  # the checker still sees it expired
    settings.P9_DOCUMENT_EXPIRY_GRACE_DAYS = 5
    assert compared(lines, record()).outcome == "fail"


def test_a_document_expiring_today_is_in_date(settings):
    settings.P9_DOCUMENT_EXPIRY_GRACE_DAYS = 0
    assert compared(td3(expiry=TODAY), record()).outcome == "pass"


# --- check digits ----------------------------------------------------------------------------


def _broken(line: str, position: int) -> str:
    digit = line[position]
    wrong = str((int(digit) + 1) % 10) if digit.isdigit() else "1"
    return line[:position] + wrong + line[position + 1 :]


@pytest.mark.parametrize(
    ("position", "check"),
    [
        (9, "document_number"),
        (19, "birth_date"),
        (27, "expiry_date"),
        (42, "optional_data"),
        (43, "composite"),
    ],
)
def test_each_broken_passport_check_digit_fails(position, check):
    line1, line2 = td3(optional="AB1234567")
    assert all(reading([line1, line2]).details["check_digits"].values())

    broken = reading([line1, _broken(line2, position)])

    assert broken.failure is not None and broken.failure.outcome == "fail"
    assert broken.details["check_digits"][check] is False
    assert document.compare_with_record(broken, record()).outcome == "fail"


def test_a_changed_birth_date_with_its_own_check_digit_still_breaks_the_composite():
    line1, line2 = td3()
    forged = line2[:13] + "9001011" + line2[20:]  # 900101 and its check digit 1
    result = reading([line1, forged])
    assert result.details["check_digits"]["birth_date"] is True
    assert result.details["check_digits"]["composite"] is False
    assert result.failure is not None


def td1(number="X4RTBPFW4", birth_date=BORN, expiry=EXPIRES):
    from mrz.generator.td1 import TD1CodeGenerator

    code = TD1CodeGenerator(
        "I",
        "FRA",
        number,
        birth_date.strftime("%y%m%d"),
        "F",
        expiry.strftime("%y%m%d"),
        "FRA",
        "SMITH",
        "JANE",
    )
    return str(code).splitlines()


@pytest.mark.parametrize(
    ("line", "position", "check"),
    [
        (0, 14, "document_number"),
        (1, 6, "birth_date"),
        (1, 14, "expiry_date"),
        (1, 29, "composite"),
    ],
)
def test_each_broken_id_card_check_digit_fails(line, position, check):
    lines = td1()
    assert reading(lines).failure is None and reading(lines).details["format"] == "TD1"
    lines[line] = _broken(lines[line], position)
    broken = reading(lines)
    assert broken.failure is not None and broken.details["check_digits"][check] is False


def test_an_id_card_number_longer_than_9_characters_is_checked_as_icao_says():
    # Part 5: 9 characters, a filler for the check digit, the rest in the optional data
    # followed by the check digit. The ``mrz`` package's own checker rejects these.
    number = "D23145890734"
    digit = document.check_digit(number)
    line1 = f"I<NLD{number[:9]}<{number[9:]}{digit}".ljust(30, "<")
    line2 = f"850412{document.check_digit('850412')}F"
    line2 += f"310101{document.check_digit('310101')}NLD".ljust(11, "<")
    line2 = line2.ljust(29, "<")
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += document.check_digit(composite)
    line3 = "SMITH<<JANE".ljust(30, "<")

    good = reading([line1, line2, line3])

    assert good.failure is None and good.document_number == number
    wrong = line1[:15] + number[9:] + str((int(digit) + 1) % 10) + line1[19:]
    assert reading([wrong, line2, line3]).details["check_digits"]["document_number"] is False


# --- the printed zone against the MRZ --------------------------------------------------------


def test_a_printed_surname_that_contradicts_the_mrz_fails():
    forged = reading(td3())
    forged.details["viz_read"] = True
    forged.viz_surname, forged.viz_given_names = "JONES", "JANE"
    forged.viz_birth_date, forged.viz_document_number = "12 APR 1985", "123456789"

    result = document.compare_with_record(forged, record(), today=TODAY)

    assert result.outcome == "fail"
    assert result.details["viz_surname_read"] and not result.details["viz_surname_matches_mrz"]
    assert "printed page contradicts" in result.summary


def test_a_printed_zone_not_read_in_full_is_left_to_a_person():
    partly = reading(td3())
    partly.details["viz_read"] = True
    partly.viz_surname = "SMITH"
    result = document.compare_with_record(partly, record(), today=TODAY)
    assert result.outcome == "pass" and result.confidence < 0.9  # below the fast track's


def test_a_page_whose_printed_surname_contradicts_its_mrz_fails_when_read():
    result = document.compare_with_record(read("contradicting"), record())
    assert result.outcome == "fail"
    assert not result.details["viz_surname_matches_mrz"]
    assert result.details["viz_birth_date_matches_mrz"]  # only the edited field differs


def test_a_page_whose_printed_birth_date_contradicts_its_mrz_fails_when_read():
    result = document.compare_with_record(read("other printed birth date"), record())
    assert result.outcome == "fail" and not result.details["viz_birth_date_matches_mrz"]


# --- reading photos --------------------------------------------------------------------------


def test_a_page_for_mueller_is_read_and_matches_the_record_mueller():
    page = read("muller")
    assert (page.surname, page.given_names) == ("Mueller", "Juergen Karl")
    result = document.compare_with_record(page, MULLER)
    assert result.outcome == "pass" and result.confidence >= 0.9
    assert result.details["viz_surname_matches_mrz"]  # printed MÜLLER, machine MUELLER


@pytest.mark.parametrize("kind", ["tilted 3", "tilted 7", "at an angle"])
def test_a_tilted_or_angled_phone_photo_is_straightened_and_read(kind):
    page = read(kind)
    assert page.failure is None
    assert (page.surname, page.birth_date, page.document_number) == (
        "Mueller",
        BORN,
        "123456789",
    )
    assert document.compare_with_record(page, MULLER).outcome == "pass"


# --- quality ---------------------------------------------------------------------------------


@cache
def phone_photo():
    return np.asarray(media.photographed(media.passport_page(), seed=3))


def test_a_genuine_looking_phone_photo_passes_quality():
    result = document.image_quality(phone_photo())
    assert result.outcome == "pass" and result.confidence >= 0.9


def test_a_half_size_page_is_not_called_glare():
    half = np.asarray(media.passport_page().resize((625, 440)))
    result = document.image_quality(half)
    assert result.outcome == "pass", result.summary


@pytest.mark.parametrize(
    "photo",
    [
        lambda: media.photographed(media.passport_page(), blur=3.5),
        lambda: media.passport_page(blur=5),
    ],
    ids=["blurred-photo", "blurred-page"],
)
def test_a_blurred_photo_fails_quality(photo):
    result = document.image_quality(np.asarray(photo()))
    assert result.outcome == "fail" and "blurred" in result.summary


def test_a_photo_with_glare_over_the_page_fails_quality():
    result = document.image_quality(
        np.asarray(media.photographed(media.passport_page(), glare=0.5))
    )
    assert result.outcome == "fail" and "glare" in result.summary


def test_a_photo_too_small_to_read_fails_quality():
    small = np.asarray(media.passport_page().resize((500, 352)))
    assert "too small" in document.image_quality(small).summary


# --- a photo of a document, or a digital image -----------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_clean_digital_render_is_not_taken_for_a_photo(fmt):
    from verification.idchecks.checks import load_image

    render = load_image(media.to_bytes(media.passport_page(), fmt))
    result = document.photographed(render)
    assert result.outcome == "fail"
    assert result.summary == "Looks like a digital image, not a photo of a document"
    assert not result.details["noise_present"]


def test_a_render_merely_turned_on_a_plain_canvas_is_not_taken_for_a_photo():
    turned = media.photographed(
        media.passport_page(), tilt=4, perspective=0, noise=0, blur=0, light=0, quality=95
    )
    assert document.photographed(np.asarray(turned)).outcome == "fail"


def test_a_phone_photo_of_a_document_passes_document_capture():
    result = document.photographed(phone_photo())
    assert result.outcome == "pass"
    assert result.details["noise_present"] and result.details["background_visible"]


def test_a_page_can_carry_a_given_portrait_instead_of_the_drawn_face():
    portrait = np.zeros((500, 400, 3), dtype=np.uint8)
    portrait[:, :, 2] = 200  # a blue picture: nothing like the drawn face
    page = np.asarray(media.passport_page(portrait=portrait))
    photo = page[110 : 110 + 375, 60 : 60 + 300]
    assert abs(photo[..., 2].mean() - 200) < 2 and photo[..., 0].max() < 5
