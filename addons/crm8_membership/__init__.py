# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from . import portal  # noqa: F401 (registers the member portal's routes)
