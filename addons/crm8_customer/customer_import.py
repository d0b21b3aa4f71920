# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Import and update customers from an Excel workbook (CUS-17).

Rows are read and validated first; nothing is written until the caller
confirms.  Writing happens in the caller's transaction, so an unexpected
failure leaves the database as it was.
"""
import io
import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from stdnum.cn import uscc

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from crm8.crm8_base.document import HTMLReport

from .exceptions import CustomerImportError

# key, field labels accepted in the header row (English, Chinese)
COLUMNS = [
    ('code', ["Code", "编码", "客户编码"]),
    ('name', ["Name", "名称", "客户名称"]),
    ('uscc', ["USCC", "统一社会信用代码"]),
    ('phone', ["Phone", "电话"]),
    ('mobile', ["Mobile", "手机"]),
    ('email', ["Email", "邮箱", "电子邮件"]),
    ('province', ["Province", "省份", "省"]),
    ('city', ["City", "城市", "市"]),
    ('street', ["Street", "地址", "详细地址"]),
    ('industry', ["Industry", "行业"]),
    ('source', ["Source", "来源", "客户来源"]),
    ('size', ["Size", "规模"]),
    ('brand', ["Brand", "品牌"]),
    ('owner', ["Responsible", "负责人"]),
    ('annual_revenue', ["Annual Revenue", "年营业额"]),
    ]
BATCH = 500
EMAIL = re.compile(r'[^@\s]+@[^@\s]+\.[^@\s.]+')


def _text(value):
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class Row:
    __slots__ = ('line', 'values', 'party', 'errors')

    def __init__(self, line, values):
        self.line = line
        self.values = values
        self.party = None
        self.errors = []


class CustomerImporter:
    """Parse, check and write customer rows.

    key: how a row finds the customer to update: 'code', 'uscc' or
    'name_phone'.
    """

    def __init__(self, key='code'):
        self.key = key
        self.rows = []
        self._lookups = {}

    # reading
    def read(self, data):
        import openpyxl
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exception:
            raise CustomerImportError(gettext(
                    'crm8_customer.msg_import_not_xlsx',
                    error=str(exception))) from exception
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, [])]
        labels = {label.lower(): key
            for key, names in COLUMNS for label in names}
        labels.update(self._custom_labels())
        columns = [labels.get(h.lower()) for h in header]
        if 'name' not in columns:
            raise CustomerImportError(gettext(
                    'crm8_customer.msg_import_no_name_column'))
        for line, values in enumerate(rows, start=2):
            row = {c: _text(v) for c, v in zip(columns, values) if c}
            if any(row.values()):
                self.rows.append(Row(line, row))
        workbook.close()
        return self.rows

    def _custom_labels(self):
        CustomField = Pool().get('crm8.custom.field')
        return {f.string.lower(): 'custom:' + f.name
            for f in CustomField.search([('target', '=', 'party.party')])}

    # checking
    def check(self):
        "Fill each row's errors and the party it updates"
        self._prepare_lookups()
        existing = self._existing()
        seen = {}
        for row in self.rows:
            values = row.values
            for name, check in [
                    ('name', self._check_name),
                    ('uscc', self._check_uscc),
                    ('phone', self._check_phone),
                    ('mobile', self._check_phone),
                    ('email', self._check_email),
                    ('annual_revenue', self._check_amount),
                    ('size', self._check_size),
                    ]:
                if values.get(name) or name == 'name':
                    error = check(name, values.get(name))
                    if error:
                        row.errors.append(error)
            for name in ['industry', 'source', 'brand', 'owner']:
                if values.get(name) and (
                        values[name] not in self._lookups[name]):
                    row.errors.append(gettext(
                            'crm8_customer.msg_import_unknown',
                            field=self._label(name), value=values[name]))
            self._check_region(row)
            key = self._key(values)
            if key:
                if key in seen:
                    row.errors.append(gettext(
                            'crm8_customer.msg_import_duplicate_row',
                            line=seen[key]))
                seen[key] = row.line
                row.party = existing.get(key)
        return [r for r in self.rows if r.errors]

    def _label(self, name):
        for key, names in COLUMNS:
            if key == name:
                language = Transaction().language or ''
                return names[1] if language.startswith('zh') else names[0]
        return name

    def _check_name(self, name, value):
        if not value:
            return gettext('crm8_customer.msg_import_name_required')

    def _check_uscc(self, name, value):
        if not uscc.is_valid(value):
            return gettext('crm8_customer.msg_import_invalid_uscc',
                value=value)

    def _check_phone(self, name, value):
        try:
            number = phonenumbers.parse(value, 'CN')
            if phonenumbers.is_valid_number(number):
                return
        except phonenumbers.NumberParseException:
            pass
        return gettext('crm8_customer.msg_import_invalid_phone',
            value=value)

    def _check_email(self, name, value):
        # the syntax only: a DNS lookup per row would make imports crawl
        if not EMAIL.fullmatch(value):
            return gettext('crm8_customer.msg_import_invalid_email',
                value=value)

    def _check_amount(self, name, value):
        try:
            Decimal(value.replace(',', ''))
        except InvalidOperation:
            return gettext('crm8_customer.msg_import_invalid_number',
                field=self._label(name), value=value)

    def _check_size(self, name, value):
        if value not in self._lookups['size']:
            return gettext('crm8_customer.msg_import_unknown',
                field=self._label(name), value=value)

    def _check_region(self, row):
        province, city = row.values.get('province'), row.values.get('city')
        regions = self._lookups['region']
        for value in [province, city]:
            if value and value not in regions:
                row.errors.append(gettext(
                        'crm8_customer.msg_import_unknown',
                        field=self._label(
                            'province' if value == province else 'city'),
                        value=value))

    def _prepare_lookups(self):
        pool = Pool()
        Party = pool.get('party.party')
        lookups = self._lookups
        for name, model in [
                ('industry', 'crm8.customer.industry'),
                ('source', 'crm8.customer.source'),
                ('brand', 'crm8.customer.brand'),
                ]:
            lookups[name] = self._by_names(pool.get(model), 'name')
        Employee = pool.get('company.employee')
        lookups['owner'] = {e.party.name: e.id for e in Employee.search([])}
        lookups['region'] = self._by_names(
            pool.get('country.subdivision'), 'name',
            [('country.code', '=', 'CN')])
        sizes = {}
        for language in self._languages():
            with Transaction().set_context(language=language):
                for value, label in Party.fields_get(
                        ['size'])['size']['selection']:
                    if value:
                        sizes[label] = sizes[value] = value
        lookups['size'] = sizes

    def _languages(self):
        Lang = Pool().get('ir.lang')
        return [lang.code for lang in Lang.search([('translatable', '=', True)])
            ] or ['en']

    def _by_names(self, Model, field, domain=None):
        "Return {name in any language: id}"
        result = {}
        for language in self._languages() + ['en']:
            with Transaction().set_context(language=language):
                for record in Model.search(domain or []):
                    result.setdefault(getattr(record, field), record.id)
        return result

    def _key(self, values):
        if self.key == 'code':
            return values.get('code') or None
        if self.key == 'uscc':
            return uscc.compact(values['uscc']) if values.get('uscc') else None
        phone = values.get('mobile') or values.get('phone')
        if values.get('name') and phone:
            return (values['name'], self._e164(phone))

    @staticmethod
    def _e164(value):
        try:
            return phonenumbers.format_number(
                phonenumbers.parse(value, 'CN'),
                phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            return value

    def _existing(self):
        "Return {key: party} of the parties the rows update"
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        Mechanism = pool.get('party.contact_mechanism')
        keys = {self._key(r.values) for r in self.rows} - {None}
        result = {}
        for sub in grouped_slice(list(keys), 1000):
            sub = list(sub)
            if self.key == 'code':
                for party in Party.search([('code', 'in', sub)]):
                    result[party.code] = party
            elif self.key == 'uscc':
                for identifier in Identifier.search([
                            ('type', '=', 'cn_uscc'), ('code', 'in', sub)]):
                    result[identifier.code] = identifier.party
            else:
                phones = [p for _, p in sub]
                for mechanism in Mechanism.search([
                            ('type', 'in', ['phone', 'mobile']),
                            ('value', 'in', phones),
                            ('party.name', 'in', [n for n, _ in sub]),
                            ]):
                    result[(mechanism.party.name, mechanism.value)] = (
                        mechanism.party)
        return result

    # writing
    def write(self, rows=None, progress=None):
        """Create or update the parties of the rows without errors.

        progress(done, total) is called after each batch.
        Return (created, updated).
        """
        Party = Pool().get('party.party')
        if rows is None:
            rows = [r for r in self.rows if not r.errors]
        created = updated = 0
        total = len(rows)
        done = 0
        with Transaction().set_context(crm8_customer=True):
            for sub in grouped_slice(rows, BATCH):
                sub = list(sub)
                to_create = [self._create_values(r)
                    for r in sub if not r.party]
                if to_create:
                    Party.create(to_create)
                to_write = []
                for row in sub:
                    if row.party:
                        to_write.extend(
                            [[row.party], self._write_values(row)])
                if to_write:
                    Party.write(*to_write)
                created += len(to_create)
                updated += len(to_write) // 2
                done += len(sub)
                if progress:
                    progress(done, total)
        return created, updated

    def _plain_values(self, row):
        values, lookups = row.values, self._lookups
        result = {'name': values['name']}
        if values.get('code'):
            result['code'] = values['code']
        for name in ['industry', 'source', 'brand', 'owner', 'size']:
            if values.get(name):
                result[name] = lookups[name][values[name]]
        if values.get('annual_revenue'):
            result['annual_revenue'] = Decimal(
                values['annual_revenue'].replace(',', ''))
        custom = {k[7:]: v for k, v in values.items()
            if k.startswith('custom:') and v}
        if custom:
            result['custom_fields'] = custom
        return result

    def _mechanisms(self, row):
        values = row.values
        result = []
        for kind in ['phone', 'mobile']:
            if values.get(kind):
                result.append({'type': kind,
                        'value': self._e164(values[kind])})
        if values.get('email'):
            result.append({'type': 'email', 'value': values['email']})
        return result

    def _address(self, row):
        values = row.values
        if not any(values.get(n) for n in ['province', 'city', 'street']):
            return None
        Country = Pool().get('country.country')
        regions = self._lookups['region']
        subdivision = regions.get(values.get('city')) or regions.get(
            values.get('province'))
        if 'country' not in self._lookups:
            countries = Country.search([('code', '=', 'CN')])
            self._lookups['country'] = countries[0].id if countries else None
        return {
            'street': values.get('street') or None,
            'country': self._lookups['country'],
            'subdivision': subdivision,
            }

    def _create_values(self, row):
        values = self._plain_values(row)
        values['lifecycle_stage'] = 'prospect'
        mechanisms = self._mechanisms(row)
        if mechanisms:
            values['contact_mechanisms'] = [('create', mechanisms)]
        address = self._address(row)
        if address:
            values['addresses'] = [('create', [address])]
        if row.values.get('uscc'):
            values['identifiers'] = [('create', [{
                            'type': 'cn_uscc',
                            'code': uscc.compact(row.values['uscc']),
                            }])]
        return values

    def _write_values(self, row):
        values = self._plain_values(row)
        party = row.party
        existing = {(m.type, m.value) for m in party.contact_mechanisms}
        new = [m for m in self._mechanisms(row)
            if (m['type'], m['value']) not in existing]
        if new:
            values['contact_mechanisms'] = [('create', new)]
        address = self._address(row)
        if address:
            if party.addresses:
                values['addresses'] = [
                    ('write', [party.addresses[0].id], address)]
            else:
                values['addresses'] = [('create', [address])]
        if row.values.get('uscc') and not any(
                i.type == 'cn_uscc' for i in party.identifiers):
            values['identifiers'] = [('create', [{
                            'type': 'cn_uscc',
                            'code': uscc.compact(row.values['uscc']),
                            }])]
        return values

    def report(self):
        "Return the errors as lines of text: 'line N: reason; reason'"
        return '\n'.join(
            gettext('crm8_customer.msg_import_row_error',
                line=r.line, errors='; '.join(r.errors))
            for r in self.rows if r.errors)


class ImportStart(ModelView):
    __string__ = "Import Customers"
    __name__ = 'crm8.customer.import.start'
    file = fields.Binary("Excel File (.xlsx)", required=True,
        filename='filename')
    filename = fields.Char("File Name")
    key = fields.Selection([
            ('code', "Code"),
            ('uscc', "USCC"),
            ('name_phone', "Name and Phone"),
            ], "Find Existing Customers By", required=True,
        help="A row matching an existing customer updates it; the other "
        "rows create customers.")
    skip_errors = fields.Boolean(
        "Import Valid Rows",
        help="Import the valid rows even if some rows have errors; "
        "otherwise nothing is imported while a row has an error.")

    @classmethod
    def default_key(cls):
        return 'code'


class ImportPreview(ModelView):
    __string__ = "Import Customers Preview"
    __name__ = 'crm8.customer.import.preview'
    to_create = fields.Integer("To Create", readonly=True)
    to_update = fields.Integer("To Update", readonly=True)
    with_errors = fields.Integer("Rows with Errors", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class ImportCustomers(Wizard):
    "Check an Excel file, show what would change, import on confirmation"
    __string__ = "Import Customers"
    __name__ = 'crm8.customer.import'
    start = StateView('crm8.customer.import.start',
        'crm8_customer.customer_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Check", 'preview', 'tryton-forward', default=True),
            ])
    preview = StateView('crm8.customer.import.preview',
        'crm8_customer.customer_import_preview_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def _importer(self):
        importer = CustomerImporter(self.start.key)
        importer.read(self.start.file)
        importer.check()
        return importer

    def default_preview(self, fields):
        importer = self._importer()
        good = [r for r in importer.rows if not r.errors]
        return {
            'to_create': len([r for r in good if not r.party]),
            'to_update': len([r for r in good if r.party]),
            'with_errors': len(importer.rows) - len(good),
            'errors': importer.report(),
            }

    def transition_import_(self):
        # checked again: the data may have changed since the preview
        importer = self._importer()
        if importer.report() and not self.start.skip_errors:
            raise CustomerImportError(gettext(
                    'crm8_customer.msg_import_has_errors',
                    errors=importer.report()[:2000]))
        importer.write()
        return 'end'


class CustomerPDF(HTMLReport):
    __string__ = "Customers (PDF)"
    __name__ = 'crm8.customer.pdf'
