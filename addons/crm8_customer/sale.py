# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval


class BlacklistGuardMixin:
    "Refuse a blacklisted customer unless a manager overrides (CUS-14)"
    __slots__ = ()
    blacklist_override = fields.Boolean(
        "Override Blacklist",
        states={'invisible': Eval('party_status') != 'blacklisted'},
        help="Allow this document for a blacklisted customer.")
    party_status = fields.Function(
        fields.Selection('get_party_statuses', "Customer Status"),
        'on_change_with_party_status')

    @classmethod
    def get_party_statuses(cls):
        Party = Pool().get('party.party')
        # a lead may have no customer yet
        return [(None, '')] + Party.fields_get(['status'])['status'][
            'selection']

    @fields.depends('party')
    def on_change_with_party_status(self, name=None):
        return self.party.status if self.party else None

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'create':
            overriding = any(r.blacklist_override for r in records)
        else:
            overriding = bool(values and values.get('blacklist_override'))
        if external and overriding:
            pool = Pool()
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            manager = ModelData.get_id(
                'crm8_customer', 'group_customer_manager')
            if manager not in User.get_groups():
                raise AccessError(gettext(
                        'crm8_customer.msg_blacklist_override_manager'))

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names & {'party', 'blacklist_override'}:
            for record in records:
                if record.party:
                    record.party.check_not_blacklisted(
                        record.blacklist_override)


class Opportunity(BlacklistGuardMixin, metaclass=PoolMeta):
    __name__ = 'sale.opportunity'


class Sale(BlacklistGuardMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if mode == 'write' and field_names & {'state', 'party', 'sale_date'}:
            Party = Pool().get('party.party')
            parties = {s.party for s in sales}
            # whoever referred them may become a referrer
            parties |= {p.referred_by for p in parties if p.referred_by}
            Party.update_lifecycle(list(parties))
