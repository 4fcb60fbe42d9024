"""Open challenges (揭榜挂帅): the challenge list, applications (揭榜), expert review, awards, milestones.

The table of allowed moves of a challenge is `CHALLENGE_TRANSITIONS`, in one place. Business rules
live in the services (eligibility, conflicts of interest, scoring, award, payment); nothing here
saves on its own except `ChallengeEvent`, which refuses to be changed or deleted once written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Expert
from mengkeju.core.events import Event
from mengkeju.core.files import download_name, unguessable
from mengkeju.deals.models import TechnicalContract
from mengkeju.network.models import ChainLink, Organization

MONEY = {"max_digits": 16, "decimal_places": 2}
VALUE = {"max_digits": 18, "decimal_places": 4}


class Challenge(models.Model):
    """榜单: a problem with quantified indicators, money, an application window and eligibility rules."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("awaiting HQ review")
        RETURNED = "returned", _("returned for changes")
        PUBLISHED = "published", _("published")
        REVIEWING = "reviewing", _("expert review")
        NOTICE = "notice", _("public notice (公示)")
        AWARDED = "awarded", _("awarded")
        CANCELLED = "cancelled", _("cancelled")

    class Mode(models.TextChoices):
        SINGLE = "single", _("single winner")
        HORSE_RACE = "horse_race", _("horse race (赛马制)")

    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    field = models.CharField(_("technical field"), max_length=100, blank=True)
    publisher = models.ForeignKey(
        Organization, models.PROTECT, related_name="published_challenges", verbose_name=_("publisher")
    )
    chain_links = models.ManyToManyField(
        ChainLink, blank=True, related_name="challenges", verbose_name=_("industry chain links")
    )
    budget_yuan = models.DecimalField(_("budget / reward (yuan)"), **MONEY)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.SINGLE)
    teams_to_fund = models.PositiveSmallIntegerField(_("teams to fund"), default=1)
    opens_at = models.DateTimeField(_("applications open at"))
    closes_at = models.DateTimeField(_("applications close at"), db_index=True)
    # Machine-checkable eligibility, as data: {"inside_region_only": bool, "division_codes": [...],
    # "organization_kinds": [...]}; empty lists mean "any".
    eligibility = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    eligibility_notes = models.TextField(_("other eligibility conditions"), blank=True)
    ip_terms = models.TextField(_("intellectual-property terms"), blank=True)
    # Weighted rubric: [{"code": ..., "name": ..., "weight": "0.4"}, ...]; copied from the region pack.
    rubric = models.JSONField(_("review rubric"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("public notice ends at"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("open challenge")
        verbose_name_plural = _("open challenges")

    def __str__(self) -> str:
        return self.title

    @property
    def funded_teams(self) -> int:
        return self.teams_to_fund if self.mode == self.Mode.HORSE_RACE else 1


Status = Challenge.Status
PUBLIC_STATES = frozenset({Status.PUBLISHED, Status.REVIEWING, Status.NOTICE, Status.AWARDED})
EDITABLE_STATES = frozenset({Status.DRAFT, Status.RETURNED})

# Allowed moves of a challenge, in one place: (from, to). Tested as a table.
CHALLENGE_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (Status.DRAFT, Status.IN_REVIEW),
        (Status.RETURNED, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.PUBLISHED),
        (Status.IN_REVIEW, Status.RETURNED),
        (Status.PUBLISHED, Status.REVIEWING),  # once the window has closed
        (Status.REVIEWING, Status.NOTICE),  # HQ's decision starts the public notice
        (Status.NOTICE, Status.REVIEWING),  # an upheld objection reopens the decision
        (Status.NOTICE, Status.AWARDED),  # notice over, every objection resolved
        (Status.DRAFT, Status.CANCELLED),
        (Status.RETURNED, Status.CANCELLED),
        (Status.IN_REVIEW, Status.CANCELLED),
        (Status.PUBLISHED, Status.CANCELLED),
    }
)


class Indicator(models.Model):
    """A quantified technical indicator: name, target value, unit, direction and how it is verified."""

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", _("at least (≥)")
        AT_MOST = "at_most", _("at most (≤)")

    challenge = models.ForeignKey(Challenge, models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=100)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    target_value = models.DecimalField(_("target value"), **VALUE)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    verification = models.CharField(_("how verified"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["challenge", "position", "id"]
        verbose_name = _("technical indicator")
        verbose_name_plural = _("technical indicators")

    def __str__(self) -> str:
        sign = "≥" if self.direction == self.Direction.AT_LEAST else "≤"
        return f"{self.name} {sign} {self.target_value.normalize():f} {self.unit}".strip()

    def is_met_by(self, value) -> bool:
        if self.direction == self.Direction.AT_LEAST:
            return value >= self.target_value
        return value <= self.target_value


class Application(models.Model):
    """揭榜: a team's application — lead and partner organizations, members, route, commitments, milestones."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        WITHDRAWN = "withdrawn", _("withdrawn")
        SELECTED = "selected", _("selected (in public notice)")
        AWARDED = "awarded", _("awarded")
        NOT_AWARDED = "not_awarded", _("not awarded")
        DROPPED = "dropped", _("dropped at down-select")

    challenge = models.ForeignKey(Challenge, models.PROTECT, related_name="applications")
    lead = models.ForeignKey(
        Organization,
        models.PROTECT,
        related_name="challenge_applications",
        verbose_name=_("lead organization"),
    )
    partners = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="challenge_partnerships",
        verbose_name=_("partner organizations"),
    )
    members = models.JSONField(_("team members"), default=list, blank=True)  # [{"name": ..., "role": ...}]
    technical_route = models.TextField(_("technical route"))
    budget_yuan = models.DecimalField(_("requested budget (yuan)"), **MONEY)
    # Consortium rules (region pack `challenge_cofunding_ratio`, docs/challenges.md): the enterprise
    # co-funding the team commits on application, and what it reports as contributed to date (checked
    # before each tranche of public money is released).
    cofunding_yuan = models.DecimalField(_("enterprise co-funding committed (yuan)"), default=0, **MONEY)
    cofunding_paid_yuan = models.DecimalField(
        _("enterprise co-funding contributed to date (yuan)"), default=0, **MONEY
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["challenge", "submitted_at", "id"]
        verbose_name = _("challenge application")
        verbose_name_plural = _("challenge applications")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "lead"], name="challenge_one_application_per_lead")
        ]

    def __str__(self) -> str:
        return f"{self.lead.name} · {self.challenge.title}"

    def organization_ids(self) -> set[int]:
        return {self.lead_id, *(p.pk for p in self.partners.all())}


class Commitment(models.Model):
    """The value of one challenge indicator that an application commits to reach."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="commitments")
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="+")
    value = models.DecimalField(_("committed value"), **VALUE)

    class Meta:
        ordering = ["application", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "indicator"], name="challenge_one_commitment")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value}"


class Milestone(models.Model):
    """A milestone of an application: due date, share of the award, the indicators it verifies."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        EVIDENCE = "evidence", _("evidence submitted")
        ACCEPTED = "accepted", _("accepted (验收通过)")
        REFUSED = "refused", _("not accepted")
        CANCELLED = "cancelled", _("cancelled (team dropped)")

    application = models.ForeignKey(Application, models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    share_percent = models.DecimalField(_("share of the award (%)"), max_digits=5, decimal_places=2)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("indicators"))
    amount_yuan = models.DecimalField(_("tranche (yuan)"), null=True, blank=True, **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    # Each acceptance (验收) round collects the experts' verdicts; new evidence after a refusal opens the next.
    acceptance_round = models.PositiveSmallIntegerField(_("acceptance round"), default=1)

    class Meta:
        ordering = ["application", "position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


def evidence_path(instance, filename: str) -> str:
    """Private (served by challenges' download view only) and unguessable: a random folder per file.
    Files uploaded before keep their old paths."""
    milestone = instance.milestone
    return unguessable(f"challenges/evidence/{milestone.application_id}/{milestone.pk}", filename)


class Evidence(models.Model):
    milestone = models.ForeignKey(Milestone, models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["milestone", "uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.file.name

    @property
    def filename(self) -> str:
        return download_name(self.file)


class Acceptance(models.Model):
    """验收: one expert's verdict on a milestone in one acceptance round — each indicator met / not met,
    with a note. Written once, never changed; the milestone is decided by the verdicts of several
    experts (services.accept_milestone)."""

    milestone = models.ForeignKey(Milestone, models.PROTECT, related_name="acceptances")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("acceptance round"), default=1)
    results = models.JSONField(
        _("indicator results"), default=list
    )  # [{"indicator": id, "met": bool, "note": ""}]
    accepted = models.BooleanField(_("accepted"))
    note = models.TextField(_("note"), blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["milestone", "round", "decided_at", "id"]
        verbose_name = _("milestone acceptance")
        verbose_name_plural = _("milestone acceptances")
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "expert", "round"], name="challenge_one_verdict_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} {'✓' if self.accepted else '✗'}"


class Award(models.Model):
    """An awarded team: rank, score, amount, and the technical contract the award created."""

    challenge = models.ForeignKey(Challenge, models.PROTECT, related_name="awards")
    application = models.OneToOneField(Application, models.PROTECT, related_name="award")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.DecimalField(_("aggregate score"), max_digits=7, decimal_places=3)
    amount_yuan = models.DecimalField(_("awarded amount (yuan)"), **MONEY)
    contract = models.OneToOneField(
        TechnicalContract,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="challenge_award",
        verbose_name=_("technical contract"),
    )
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    dropped_at = models.DateTimeField(_("dropped at"), null=True, blank=True)
    drop_reason = models.TextField(_("reason for dropping"), blank=True)
    dropped_at_milestone = models.ForeignKey(
        Milestone, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("down-select at")
    )

    class Meta:
        ordering = ["challenge", "rank"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.challenge} #{self.rank}"


class Tranche(models.Model):
    """A payment released on an accepted milestone. One per milestone."""

    milestone = models.OneToOneField(Milestone, models.PROTECT, related_name="tranche")
    amount_yuan = models.DecimalField(_("amount (yuan)"), **MONEY)
    released_at = models.DateTimeField(_("released at"))
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["released_at", "id"]
        verbose_name = _("payment tranche")
        verbose_name_plural = _("payment tranches")

    def __str__(self) -> str:
        return f"{self.milestone_id} {self.amount_yuan}"


class PanelMember(models.Model):
    """An expert on a challenge's review panel."""

    challenge = models.ForeignKey(Challenge, models.CASCADE, related_name="panel")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="challenge_panels")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["challenge", "id"]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [models.UniqueConstraint(fields=["challenge", "expert"], name="challenge_panel_once")]

    def __str__(self) -> str:
        return f"{self.challenge_id}: {self.expert_id}"


class ConflictDeclaration(models.Model):
    """An expert declares a conflict of interest with an organization (回避声明)."""

    expert = models.ForeignKey(Expert, models.CASCADE, related_name="declared_conflicts")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        ordering = ["expert", "id"]
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["expert", "organization"], name="challenge_conflict_once")
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} ≠ {self.organization_id}"


class Scorecard(models.Model):
    """One expert's scores of one application on the challenge's rubric. Blind: only its expert (and
    HQ) sees it; once submitted it never changes."""

    application = models.ForeignKey(Application, models.PROTECT, related_name="scorecards")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="challenge_scorecards")
    scores = models.JSONField(_("scores by criterion"), default=dict)  # {"criterion code": "0".."100"}
    total = models.DecimalField(_("weighted total"), max_digits=7, decimal_places=3, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["application", "expert"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="challenge_one_scorecard")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.expert_id}"


class Objection(models.Model):
    """An objection raised during the public notice (公示异议), resolved by HQ with a note."""

    challenge = models.ForeignKey(Challenge, models.PROTECT, related_name="objections")
    text = models.TextField(_("objection"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField(_("raised at"))
    resolution = models.TextField(_("resolution"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["challenge", "raised_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return self.text[:50]


class ChallengeEvent(Event):
    """An append-only, attributable record of every state change of a challenge and its parts."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("drafted")
        SUBMITTED = "submitted", _("submitted for review")
        PUBLISHED = "published", _("published")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")
        APPLIED = "applied", _("application submitted")
        WITHDRAWN = "withdrawn", _("application withdrawn")
        RESUBMITTED = "resubmitted", _("application resubmitted")
        REVIEW_STARTED = "review_started", _("expert review started")
        PANEL_FORMED = "panel_formed", _("panel formed")
        CONFLICT_DECLARED = "conflict_declared", _("conflict of interest declared")
        SCORED = "scored", _("scorecard submitted")
        DECIDED = "decided", _("decision, public notice started")
        OBJECTION = "objection", _("objection raised")
        OBJECTION_RESOLVED = "objection_resolved", _("objection resolved")
        REOPENED = "reopened", _("decision reopened")
        AWARDED = "awarded", _("awarded")
        EVIDENCE = "evidence", _("milestone evidence uploaded")
        VERDICT = "verdict", _("acceptance verdict recorded")
        ACCEPTED = "accepted", _("milestone accepted")
        REFUSED = "refused", _("milestone not accepted")
        COFUNDING = "cofunding", _("enterprise co-funding reported")
        RELEASED = "released", _("tranche released")
        DROPPED = "dropped", _("team dropped at down-select")

    challenge = models.ForeignKey(Challenge, models.PROTECT, related_name="events")
    application = models.ForeignKey(Application, models.PROTECT, null=True, blank=True, related_name="events")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The moment the service was given (`now`), so tests and the demo pass fixed moments.
    at = models.DateTimeField(_("at"))

    class Meta(Event.Meta):
        verbose_name = _("challenge event")
        verbose_name_plural = _("challenge events")

    def __str__(self) -> str:
        return f"{self.challenge_id} {self.action}"

    def _status_label(self, value: str) -> str:
        """A stored state as people read it: the application's states for an application's event, the
        challenge's otherwise (a milestone's as a last resort); never the internal code."""
        order = (
            (Application.Status, Challenge.Status)
            if self.application_id
            else (Challenge.Status, Application.Status)
        )
        for choices in (*order, Milestone.Status):
            if value in choices.values:
                return choices(value).label
        return value

    @property
    def from_status_label(self) -> str:
        return self._status_label(self.from_status) if self.from_status else ""

    @property
    def to_status_label(self) -> str:
        return self._status_label(self.to_status) if self.to_status else ""
