# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""crm8: the Tryton modules of the crm8 CRM suite and its command line."""
