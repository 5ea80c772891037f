"""Draft cases that the simulated offices approve at every step (bench/submit_delivery.py,
bench/lifecycle.py): a Blue-Card-level job in Berlin, a comparable degree with a completion date,
a valid passport, nationality served by the demo's visa office in New Delhi."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal


def make_draft(*, employer=None, passport=None):
    """`passport`: a PassportData (documents.testing.passports) whose holder the applicant is."""
    from accounts.models import User
    from applications import services
    from applications.management.seed_scale_rows import COUNTRIES
    from applications.models import LanguageSkill, Person, Qualification

    tag = uuid.uuid4().hex[:12]
    _share, surnames, given_names = COUNTRIES["IND"]  # the seed's names: no one name for thousands of cases
    user = User.objects.create_user(email=f"bench-{tag}@bench.wsa.example", password=None, full_name="Bench Applicant")
    identity = {"surname": random.choice(surnames), "given_names": random.choice(given_names),  # noqa: S311
                "birth_date": date(1992, 5, 17), "sex": "F", "passport_number": f"B{tag[:8].upper()}",
                "passport_expiry": date.today() + timedelta(days=3650)}
    if passport is not None:
        identity = {"surname": passport.surname, "given_names": passport.given_names,
                    "birth_date": passport.birth_date, "sex": passport.sex, "passport_number": passport.number,
                    "passport_expiry": passport.expiry_date}
    person = Person.objects.create(
        user=user, nationality="IND", passport_issuing_state="IND", city="Pune", country_of_residence="IND",
        email=user.email, **identity,
    )
    Qualification.objects.create(person=person, kind="academic", title="B.Tech Computer Science", country="IND",
                                 completed_on=date(2015, 6, 30), recognition="none", comparable=True)
    LanguageSkill.objects.create(person=person, language="en", level="C1")
    case = services.case_create(person=person, actor=user, title_code="18b", employer=employer,
                                procedure_language="en")
    services.employment_set(case=case, actor=user, job_title="Software Developer", occupation_isco="2512",
                            annual_gross_salary=Decimal("68000.00"), weekly_hours=Decimal("40.0"),
                            start_date=date.today() + timedelta(days=120), duration_months=None,
                            workplace_street="Friedrichstraße 1", workplace_postal_code="10117",
                            workplace_city="Berlin", workplace_state="BE")
    return case
