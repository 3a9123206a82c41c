"""The demo scenario (../shared/seed/): the Paris joint statement of 2024-03-15.

Everything here is illustrative sample data, marked as such in the record: the statuses,
dates and sources are invented to show the tracker at work, not reported facts.
Loaded through the services, so the demo has a real, verifiable audit history.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from commitments import services, workflow
from commitments.choices import (
    AgreementKind,
    CommitmentStatus,
    GuaranteeDomain,
    ParticipantKind,
)
from commitments.models import Agreement, Commitment, Guarantee, Participant, Source

S = CommitmentStatus
AGREEMENT_SLUG = "paris-joint-statement-2024"
AGREEMENT_DATE = datetime.date(2024, 3, 15)

# (username, password, roles): printed by seed_demo; demo accounts only.
DEMO_USERS = [
    ("analyst", "analyst-demo-pass", [Role.ANALYST]),
    ("analyst2", "analyst2-demo-pass", [Role.ANALYST]),
    ("reviewer", "reviewer-demo-pass", [Role.REVIEWER]),
    ("admin", "admin-demo-pass", [Role.ADMIN]),
]

# (code, name, kind, needs parliamentary approval, approving body)
PARTICIPANTS = [
    ("UA", "Ukraine", "country", True, "Verkhovna Rada"),
    ("FR", "France", "country", True, "Parliament (National Assembly and Senate)"),
    ("GB", "United Kingdom", "country", True, "House of Commons"),
    ("US", "United States", "country", True, "Senate"),
    ("CA", "Canada", "country", False, "Governor in Council"),
    ("DE", "Germany", "country", True, "Bundestag"),
    ("IT", "Italy", "country", True, "Parliament (Chamber of Deputies and Senate)"),
    ("PL", "Poland", "country", True, "Sejm"),
    ("NL", "Netherlands", "country", True, "States General"),
    ("BE", "Belgium", "country", True, "Federal Parliament"),
    ("LU", "Luxembourg", "country", True, "Chamber of Deputies"),
    ("DK", "Denmark", "country", True, "Folketing"),
    ("SE", "Sweden", "country", True, "Riksdag"),
    ("NO", "Norway", "country", True, "Storting"),
    ("FI", "Finland", "country", True, "Eduskunta"),
    ("IS", "Iceland", "country", False, "Government"),
    ("EE", "Estonia", "country", True, "Riigikogu"),
    ("LV", "Latvia", "country", True, "Saeima"),
    ("LT", "Lithuania", "country", True, "Seimas"),
    ("ES", "Spain", "country", True, "Cortes Generales"),
    ("PT", "Portugal", "country", True, "Assembly of the Republic"),
    ("IE", "Ireland", "country", True, "Dáil Éireann"),
    ("CZ", "Czechia", "country", True, "Parliament"),
    ("RO", "Romania", "country", True, "Parliament"),
    ("GR", "Greece", "country", True, "Hellenic Parliament"),
    ("HR", "Croatia", "country", True, "Sabor"),
    ("TR", "Türkiye", "country", True, "Grand National Assembly"),
    ("EU", "European Union", "organisation", False, "Council of the EU"),
    ("NATO", "NATO", "organisation", False, "North Atlantic Council"),
]

# (slug, title, domain, description)
GUARANTEES = [
    (
        "front-line-equipment",
        "Equipment for front-line forces",
        GuaranteeDomain.EQUIPMENT,
        "Supply Ukraine's front-line forces with essential equipment.",
    ),
    (
        "front-line-training",
        "Training for front-line forces",
        GuaranteeDomain.TRAINING,
        "Train Ukraine's front-line forces.",
    ),
    (
        "air-support",
        "Air support",
        GuaranteeDomain.AIR,
        "Air support to deter any future aggression.",
    ),
    (
        "land-support",
        "Land support",
        GuaranteeDomain.LAND,
        "Land support to deter any future aggression.",
    ),
    (
        "sea-support",
        "Sea support",
        GuaranteeDomain.SEA,
        "Sea support to deter any future aggression.",
    ),
    (
        "ceasefire-monitoring",
        "US-led cease-fire monitoring and verification",
        GuaranteeDomain.MONITORING,
        "Take part in US-led monitoring and verification of any cease-fire.",
    ),
    (
        "long-term-assistance",
        "Long-term military assistance and armament",
        GuaranteeDomain.OTHER,
        "Sustained military assistance and armament: 'the first line of defense and deterrence'.",
    ),
    (
        "technology",
        "Technology",
        GuaranteeDomain.TECHNOLOGY,
        "Support in the form of technology rather than troop deployments.",
    ),
    (
        "intelligence",
        "Intelligence",
        GuaranteeDomain.INTELLIGENCE,
        "Support in the form of intelligence sharing.",
    ),
]

# The paths through the ladder a demo commitment may have taken (its last status is its live one).
PATHS = [
    [],
    [S.SIGNED],
    [S.SIGNED, S.IN_PARLIAMENT],
    [S.SIGNED, S.IN_PARLIAMENT, S.RATIFIED],
    [S.SIGNED, S.IN_PARLIAMENT, S.RATIFIED, S.IN_FORCE],
    [S.SIGNED, S.IN_PARLIAMENT, S.REJECTED],
    [S.SIGNED, S.WITHDRAWN],
]
DIRECT_PATHS = [[], [S.SIGNED], [S.SIGNED, S.RATIFIED], [S.SIGNED, S.IN_FORCE]]


class DemoAlreadyPartlyLoaded(Exception):
    pass


@dataclass
class DemoResult:
    created: bool
    passwords: list[tuple[str, str]]
    commitments: int


def demo_status() -> str:
    """'empty', 'loaded' or 'partial' (some demo rows exist, but not the whole scenario)."""
    codes = [p[0] for p in PARTICIPANTS]
    slugs = [g[0] for g in GUARANTEES]
    found = {
        "agreement": Agreement.objects.filter(slug=AGREEMENT_SLUG).count(),
        "participants": Participant.objects.filter(code__in=codes).count(),
        "guarantees": Guarantee.objects.filter(slug__in=slugs).count(),
        "users": User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count(),
    }
    complete = {
        "agreement": 1,
        "participants": len(codes),
        "guarantees": len(slugs),
        "users": len(DEMO_USERS),
    }
    if found == complete and Commitment.objects.filter(guarantee__slug__in=slugs).exists():
        return "loaded"
    if not any(found.values()):
        return "empty"
    return "partial: " + ", ".join(f"{k} {found[k]} of {complete[k]}" for k in found)


@transaction.atomic
def demo_load(*, seed: int = 20240315) -> DemoResult:
    """Load the scenario once; a second call changes nothing. A database holding part of it
    raises DemoAlreadyPartlyLoaded and is left as it was. Nobody is notified of the replayed
    history (notify=False)."""
    state = demo_status()
    if state == "loaded":
        return DemoResult(created=False, passwords=[], commitments=0)
    if state != "empty":
        raise DemoAlreadyPartlyLoaded(state)

    users = {}
    for username, password, roles in DEMO_USERS:
        users[username], _ = user_create(
            username=username, roles=roles, password=password, email=f"{username}@example.org"
        )
    admin = users["admin"]

    statement = Source.objects.create(
        url="https://example.org/sample/paris-joint-statement-2024-03-15",
        title="Paris joint statement on security guarantees (sample)",
        publisher="Sample data",
        published_on=AGREEMENT_DATE,
        excerpt="Allies will supply Ukraine's front-line forces with equipment and training, "
        "and pledge air, land and sea support.",
    )
    agreement = services.agreement_save(
        agreement=Agreement(
            slug=AGREEMENT_SLUG,
            title="Paris joint statement on security guarantees for Ukraine",
            kind=AgreementKind.JOINT_STATEMENT,
            signed_on=AGREEMENT_DATE,
            place="Paris",
            summary="Multilayered international defence guarantees for Ukraine: equipment and "
            "training for front-line forces; air, land and sea support; US-led cease-fire "
            "monitoring; long-term military assistance; technology and intelligence. Each "
            "commitment binds a country once it is ratified. Illustrative sample data.",
            is_sample=True,
        ),
        actor=admin,
        sources=[statement],
    )
    participants = [
        services.participant_save(
            participant=Participant(
                code=code,
                name=name,
                kind=ParticipantKind(kind),
                needs_parliamentary_approval=needs,
                approval_body=body,
                is_sample=True,
            ),
            actor=admin,
        )
        for code, name, kind, needs, body in PARTICIPANTS
    ]
    guarantees = [
        services.guarantee_save(
            guarantee=Guarantee(
                agreement=agreement,
                slug=slug,
                title=title,
                domain=domain,
                description=description,
                position=position,
            ),
            actor=admin,
        )
        for position, (slug, title, domain, description) in enumerate(GUARANTEES)
    ]

    rng = random.Random(seed)
    count = 0
    walked: list[tuple[Commitment, list[str]]] = []
    for participant in participants:
        pledged = (
            guarantees
            if participant.code in ("FR", "GB")
            else rng.sample(guarantees, rng.randint(3, 6))
        )
        for guarantee in sorted(pledged, key=lambda g: g.position):
            commitment = services.commitment_create(
                participant=participant, guarantee=guarantee, actor=admin, is_sample=True
            )
            paths = PATHS if participant.needs_parliamentary_approval else DIRECT_PATHS
            path = rng.choice(paths)
            _walk(commitment, path, rng, users)
            walked.append((commitment, path))
            count += 1
    _propose(walked, users)
    return DemoResult(created=True, passwords=[(u, p) for u, p, _ in DEMO_USERS], commitments=count)


def _walk(commitment: Commitment, path: list[str], rng: random.Random, users: dict) -> None:
    """Move a commitment along `path` through submitted and approved updates."""
    day = AGREEMENT_DATE
    for status in path:
        day = min(day + datetime.timedelta(days=rng.randint(10, 120)), datetime.date(2026, 10, 1))
        author = users[rng.choice(["analyst", "analyst2"])]
        code = commitment.participant.code.lower()
        update = services.update_create(
            commitment=commitment,
            author=author,
            proposed_status=status,
            effective_date=day,
            summary=f"{commitment.participant.name}: {S(status).label.lower()} "
            f"({commitment.guarantee.title.lower()}). Illustrative sample data.",
            sources=[
                {
                    "url": f"https://example.org/sample/{code}/{commitment.guarantee.slug}/{status}",
                    "title": f"{commitment.participant.name}: {S(status).label} (sample)",
                    "publisher": "Sample data",
                    "published_on": day,
                }
            ],
            notify=False,
        )
        commitment = services.update_approve(
            update=update, reviewer=users["reviewer"], notify=False
        )


# How many updates the demo leaves waiting for review, so the reviewer's queue is not empty.
PENDING_UPDATES = 2


def _propose(walked: list[tuple[Commitment, list[str]]], users: dict) -> None:
    """Leave PENDING_UPDATES updates submitted by the analysts (one each) and not yet
    reviewed: the next rung of commitments that have moved but not yet reached the top."""
    authors = ["analyst", "analyst2"]
    candidates = [
        commitment
        for commitment, path in walked
        if path and path[-1] not in (S.IN_FORCE, S.WITHDRAWN, S.REJECTED)
    ]
    today = datetime.date.today()
    for index, commitment in enumerate(candidates[:PENDING_UPDATES]):
        commitment.refresh_from_db()
        needs = (
            commitment.subject_to_ratification
            and commitment.participant.needs_parliamentary_approval
        )
        status = workflow.allowed_next(commitment.status, needs_parliament=needs)[0]
        day = min(commitment.status_date + datetime.timedelta(days=21), today)
        code = commitment.participant.code.lower()
        services.update_create(
            commitment=commitment,
            author=users[authors[index % len(authors)]],
            proposed_status=status,
            effective_date=day,
            summary=f"{commitment.participant.name}: {S(status).label.lower()} "
            f"({commitment.guarantee.title.lower()}), awaiting review. Illustrative sample data.",
            sources=[
                {
                    "url": f"https://www.example.org/sample/{code}/{commitment.guarantee.slug}/"
                    f"{status}-pending",
                    "title": f"{commitment.participant.name}: {S(status).label} (sample)",
                    "publisher": "Sample data",
                    "published_on": day,
                    "excerpt": "An invented report, waiting for a reviewer in the demo.",
                }
            ],
            notify=False,
        )
