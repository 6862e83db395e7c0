"""Synthetic patients for the local demographics store, fast enough for a million.

Made-up people with NHS numbers beginning 999 (then 998, 997, ... once 999 runs out: about
909,000 valid numbers fit under each prefix); numbers beginning with 9 are never issued to real
people. Names come from lists that include apostrophes, hyphens and accents; dates of birth run
from newborn to 105; postcodes are in the real format across England, Wales, Scotland,
Northern Ireland and the Isle of Man, with a few in the Channel Islands (outside the nations
served). Deliberate hard cases: twins (same surname, date of birth and postcode; half of them
with the same first name, told apart only by middle names), common names, people who moved
(``previous_postcode``), restricted records.

PostgreSQL: one ``COPY`` stream. SQLite: ``executemany`` in large transactions.
"""

import datetime
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from verification.demographics.normalise import first_name_key, name_key, nhs_number_check_digit
from verification.models import SyntheticPatient


def _words(text: str) -> list[str]:
    return text.split()


GIVEN_NAMES = _words(
    "Oliver George Harry Jack Noah Leo Arthur Muhammad Oscar Charlie Jacob Thomas Freddie "
    "Alfie William James Henry Joshua Archie Theo Isaac Daniel Samuel David John Michael "
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence "
    "Emily Ella Poppy Evie Elsie Charlotte Evelyn Sophie Sarah Emma Margaret Susan Jean "
    "Zoë Chloé Siân Seán Aoife Niamh Renée José Anaïs Björn Sinéad Élodie Dónal Ffion "
    "Rhiannon Gruffydd Eilidh Mairi Ciarán Oisín Priya Aisha Fatima Yusuf Kwame Chidi "
    "Mary-Jane Anne-Marie Jean-Paul D'Arcy"
)
FAMILY_NAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel "
    "Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison "
    "Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths "
    "O'Brien O'Neill D'Souza O'Connor McDonald MacLeod Ní-Bhriain Smith-Jones Lloyd-Webber "
    "Ap-Rhys Fernández Müller Brontë Łukasz Nowak Núñez Khan Ahmed Singh Kaur Begum Okafor "
    "Mensah Nguyen Chen Kowalski Campbell Stewart Murray Reid Ferguson Kelly Byrne Doyle"
)
# Common names are more common: Smith, Jones and friends are drawn often.
FAMILY_WEIGHTS = [12 if i < 12 else 4 if i < 50 else 1 for i in range(len(FAMILY_NAMES))]

ENGLAND = _words("B BS CB DE E EC EX GL L LE LS M N NE NG NW OX PL PO S SE SO SW W WC YO BN CT HU")
AREAS = (
    [(area, "england", 60) for area in ENGLAND]
    + [(area, "wales", 20) for area in ("CF", "SA", "LL", "NP", "LD")]
    + [(area, "scotland", 25) for area in ("EH", "G", "AB", "DD", "IV", "KA", "FK")]
    + [("BT", "northern_ireland", 60), ("IM", "isle_of_man", 15)]
    + [("GY", "outside", 3), ("JE", "outside", 3)]
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ODS_PREFIX = {
    "england": "ABCDEFGHJKLMNPY",
    "wales": "W",
    "scotland": "S",
    "northern_ireland": "Z",
    "isle_of_man": "Y",
    "outside": "",
}
COLUMNS = (
    "nhs_number",
    "given_name",
    "family_name",
    "given_key",
    "family_key",
    "birth_date",
    "postcode",
    "previous_postcode",
    "gp_ods_code",
    "mobile",
    "email",
    "restricted",
)
FIRST_PREFIX = 999
RESERVED_PREFIX = 990  # the demo's named people (verification/demo.py); never generated


def nhs_numbers(start_base: int = FIRST_PREFIX * 1_000_000) -> Iterator[str]:
    """Valid NHS numbers from 999 000 000x upwards, then 998 ..., skipping impossible ones."""
    prefix, base = divmod(start_base, 1_000_000)
    while prefix > RESERVED_PREFIX:
        for n in range(base, 1_000_000):
            first_nine = f"{prefix:03d}{n:06d}"
            check = nhs_number_check_digit(first_nine)
            if check is not None:
                yield f"{first_nine}{check}"
        prefix, base = prefix - 1, 0
    raise RuntimeError("ran out of synthetic NHS numbers")


def reserved_nhs_number(n: int) -> str:
    """The n-th valid NHS number under the prefix kept for named demo people."""
    for number in nhs_numbers_under(RESERVED_PREFIX):
        if n == 0:
            return number
        n -= 1
    raise ValueError(n)


def nhs_numbers_under(prefix: int) -> Iterator[str]:
    for n in range(1_000_000):
        first_nine = f"{prefix:03d}{n:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            yield f"{first_nine}{check}"


@dataclass
class Generator:
    """Rows of synthetic patients, reproducible from ``seed``."""

    seed: int = 1

    def __post_init__(self):
        self.random = random.Random(self.seed)
        self.given_keys = {name: first_name_key(name) for name in GIVEN_NAMES}
        self.family_keys = {name: name_key(name) for name in FAMILY_NAMES}
        self.today = datetime.date.today()
        area_weights = [weight for _, _, weight in AREAS]
        self.area_picks = self.random.choices(AREAS, area_weights, k=4096)
        self.family_picks = self.random.choices(FAMILY_NAMES, FAMILY_WEIGHTS, k=4096)
        self.practices = {
            nation: [
                f"{self.random.choice(letters)}{self.random.randint(81000, 89999)}"
                for _ in range(400)
            ]
            if letters
            else [""]
            for nation, letters in ODS_PREFIX.items()
        }

    def postcode(self) -> tuple[str, str]:
        area, nation, _ = self.area_picks[self.random.getrandbits(12)]
        rnd = self.random
        district = rnd.randint(1, 20)
        inward = f"{rnd.randint(0, 9)}{rnd.choice(INWARD_LETTERS)}{rnd.choice(INWARD_LETTERS)}"
        return f"{area}{district} {inward}", nation

    def rows(self, count: int) -> Iterator[tuple]:
        rnd = self.random
        numbers = nhs_numbers()
        made = 0
        while made < count:
            family = self.family_picks[rnd.getrandbits(12)]
            given = rnd.choice(GIVEN_NAMES)
            birth_date = self.today - datetime.timedelta(days=rnd.randint(0, 105 * 365))
            postcode, nation = self.postcode()
            roll = rnd.random()
            twins = roll < 0.01 and count - made >= 2
            people = [given]
            if twins:
                if rnd.random() < 0.5:  # same first name, different middle names
                    middles = rnd.sample(GIVEN_NAMES, 2)
                    people = [f"{given} {middles[0]}", f"{given} {middles[1]}"]
                else:
                    people = [given, rnd.choice(GIVEN_NAMES)]
            practice = rnd.choice(self.practices[nation])
            for person in people:
                previous = self.postcode()[0] if rnd.random() < 0.05 else ""
                has_mobile = rnd.random() < 0.8
                mobile = f"077009{rnd.randint(0, 99999):05d}" if has_mobile else ""
                email = f"patient{made}@example.com" if rnd.random() < 0.5 else ""
                yield (
                    next(numbers),
                    person,
                    family,
                    self.given_keys[person.split(" ")[0]],
                    self.family_keys[family],
                    birth_date,
                    postcode,
                    previous,
                    practice,
                    mobile,
                    email,
                    rnd.random() < 0.005,
                )
                made += 1


def _copy_text(rows: Iterator[tuple], chunk: int = 20_000) -> Iterator[str]:
    """COPY text format: tab-separated, \\N for null, t/f for booleans."""
    buffer = io.StringIO()
    for i, row in enumerate(rows, 1):
        nhs, given, family, gkey, fkey, born, pc, prev, ods, mobile, email, restricted = row
        buffer.write(
            f"{nhs}\t{given}\t{family}\t{gkey}\t{fkey}\t{born.isoformat()}\t{pc}\t{prev}\t"
            f"{ods}\t{mobile}\t{email}\t{'t' if restricted else 'f'}\n"
        )
        if i % chunk == 0:
            yield buffer.getvalue()
            buffer = io.StringIO()
    if buffer.tell():
        yield buffer.getvalue()


def generate(count: int, *, seed: int = 1) -> int:
    """Replace the synthetic patients table with ``count`` generated patients.

    Named people the demo adds (NHS numbers under the reserved 990 prefix) are kept.
    """
    rows = Generator(seed).rows(count)
    table = SyntheticPatient._meta.db_table
    reserved = f"{RESERVED_PREFIX}%"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE nhs_number NOT LIKE %s", [reserved])  # noqa: S608
        columns = ", ".join(COLUMNS)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for text in _copy_text(rows):
                copy.write(text)
        cursor.execute(f"ANALYZE {table}")
    return count
