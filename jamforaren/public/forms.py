"""Residents' forms: the area filter (GET, no state on the server), comments and page feedback (POST)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from jamforaren.i18n import local_label
from jamforaren.labels import OWNERSHIP, language_name
from jamforaren.models import Area, Ownership
from jamforaren.services.area_listing import FIGURE_SORT_PREFIX, SORT_NAME, SORT_SURVEY, Facets, ListingQuery

COMMENT_MAX = 2000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        pass  # unknown values (e.g. from an old shared link) are dropped, not an error

    @property
    def valid_data(self) -> list[str]:
        allowed = {str(choice.value) for choice in self.choices or []}
        return [v for v in self.data or [] if v in allowed]


def area_filter_form(area: Area, facets: Facets, args: MultiDict, language: str) -> FlaskForm:
    """A GET form whose fields are the area's own filters; its URL is the shareable state."""

    class AreaFilterForm(FlaskForm):
        class Meta:
            csrf = False

    AreaFilterForm.kommundel = MultiCheckboxField(_l("District"), choices=[SelectChoice(d, d) for d in facets.districts])
    AreaFilterForm.driftsform = MultiCheckboxField(
        _l("Ownership"), choices=[SelectChoice(o.value, OWNERSHIP[o]) for o in facets.ownerships])
    AreaFilterForm.sprak = MultiCheckboxField(
        _l("Language besides Swedish"), choices=[SelectChoice(c, language_name(c, language)) for c in facets.languages])
    for definition in facets.attributes:
        label = local_label(definition["label"])
        if definition["type"] == "boolean":
            field = MultiCheckboxField(label, choices=[SelectChoice("true", _l("Yes"))])
        else:
            field = MultiCheckboxField(label, choices=[SelectChoice(o["key"], local_label(o["label"]))
                                                       for o in definition["options"]])
        setattr(AreaFilterForm, definition["key"], field)
    AreaFilterForm.ledigt = BooleanField(_l("Has free places"))
    sort_choices = [SelectChoice(SORT_NAME, _l("Name")), SelectChoice(SORT_SURVEY, _l("Overall survey result"))]
    sort_choices += [SelectChoice(FIGURE_SORT_PREFIX + f.code, local_label({"sv": f.name_sv, "en": f.name_en}))
                     for f in facets.figures]
    AreaFilterForm.sortera = SelectField(_l("Sort by"), choices=sort_choices, default=SORT_NAME)
    return AreaFilterForm(formdata=args)


def listing_query(form: FlaskForm, facets: Facets, page: int) -> ListingQuery:
    sort = form.sortera.data if form.sortera.data in {c.value for c in form.sortera.choices} else SORT_NAME
    return ListingQuery(
        districts=form.kommundel.valid_data,
        ownerships=[Ownership(v) for v in form.driftsform.valid_data],
        languages=form.sprak.valid_data,
        attributes={d["key"]: form[d["key"]].valid_data for d in facets.attributes},
        free_places=bool(form.ledigt.data),
        sort=sort,
        page=page,
    )


class CommentForm(FlaskForm):
    synpunkt = TextAreaField(_l("Your comment"), validators=[
        DataRequired(message=_l("Write your comment.")),
        Length(min=10, max=COMMENT_MAX, message=_l("Write between %(min)d and %(max)d characters.")),
    ])
    namn = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=100)])
    epost = StringField(_l("Your e-mail address (optional, if you want an answer)"), validators=[
        Optional(), Length(max=200),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address like namn@exempel.se.")),
    ])
    # A trap for robots: people never see this field, so anything in it marks the comment as spam.
    webbplats = StringField(_l("Leave this field empty"), validators=[Optional()])


class PageFeedbackForm(FlaskForm):
    svar = RadioField(_l("Did this page help you?"), choices=[SelectChoice("ja", _l("Yes")), SelectChoice("nej", _l("No"))],
                      validators=[DataRequired(message=_l("Choose yes or no."))])
    sida = HiddenField()
