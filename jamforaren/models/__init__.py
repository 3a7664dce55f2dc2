"""The domain model (see DESIGN.md's domain table)."""

from jamforaren.models.audit import AuditEvent
from jamforaren.models.base import Base
from jamforaren.models.catalogue import Area, Norm, Process, Rulebook, RulebookChapter
from jamforaren.models.feedback import Comment, CommentStatus, PageFeedback, ProfileRevision, RevisionStatus
from jamforaren.models.followups import (
    Action, ActionStatus, Assessment, FollowUp, FollowUpMethod, FollowUpStatus, Rating,
)
from jamforaren.models.people import Membership, Role, User
from jamforaren.models.providers import (
    Authorisation, AuthorisationEvent, AuthorisationStatus, Ownership, Provider, Unit, UnitAttribute,
    UnitLanguage,
)
from jamforaren.models.results import (
    MIN_RESPONDENTS, FigureScope, FigureSource, FigureUnit, KeyFigure, KeyFigureValue, Survey,
    SurveyQuestion, SurveyResult,
)
from jamforaren.models.settings import DEMO_DATA, Setting
from jamforaren.models.sign_in import AttemptOutcome, SignInAttempt

__all__ = [
    "DEMO_DATA", "MIN_RESPONDENTS", "Action", "ActionStatus", "Area", "Assessment", "AuditEvent",
    "Authorisation", "AuthorisationEvent", "AuthorisationStatus", "Base", "Comment", "CommentStatus",
    "FigureScope", "FigureSource", "FigureUnit", "FollowUp", "FollowUpMethod", "FollowUpStatus",
    "KeyFigure", "KeyFigureValue", "Membership", "Norm", "Ownership", "PageFeedback", "Process", "ProfileRevision",
    "Provider", "Rating", "RevisionStatus", "Role", "Rulebook", "RulebookChapter", "Setting", "Survey",
    "SurveyQuestion", "SurveyResult", "Unit", "UnitAttribute", "UnitLanguage", "User",
    "AttemptOutcome", "SignInAttempt",
]
