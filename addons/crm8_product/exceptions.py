# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class SeriesError(ValidationError):
    pass


class CodeRuleError(ValidationError):
    pass


class PackagingError(UserError):
    pass


class RelationError(ValidationError):
    pass


class ProductApprovalError(UserError):
    pass


class BOMImportError(UserError):
    pass
