# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ApprovalError(UserError):
    pass


class ApprovalAccessError(AccessError):
    pass


class ReminderDomainError(ValidationError):
    pass


class ScoreCriterionError(ValidationError):
    pass


class TeamError(ValidationError):
    pass
