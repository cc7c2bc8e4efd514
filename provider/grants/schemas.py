"""The API's and form's shape for an award of the NHS children's hospice funding."""
from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from provider.base import Day
from provider.fields import Notes, OptionalPence, blank_is_none


class GrantIn(BaseModel):
    """An award of the NHS children's hospice funding. Amounts in whole pence."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reference: str = Field(min_length=1, max_length=60, description="The award's reference, e.g. NHS-CHF-2627")
    name: str = Field(default="NHS children's hospice funding", min_length=1, max_length=200)
    paid_by_id: uuid.UUID = Field(description="The ICB that pays it on NHS England's behalf")
    starts_on: Day
    ends_on: Day
    amount_pence: OptionalPence = Field(description="The year's award in whole pence, e.g. 31000000 for £310,000")
    entitled_on: Day = Field(description="When the hospice became entitled to it: its income then")
    instalments: str = Field(default="quarterly", pattern="^(quarterly|monthly)$")
    invoice_required: bool = Field(default=True, description="The paying ICB wants a grant invoice each instalment")
    po_number: Annotated[str | None, BeforeValidator(blank_is_none)] = Field(default=None, max_length=60)
    notes: Notes = ""
