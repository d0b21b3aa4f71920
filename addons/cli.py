# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""crm8 — administer a crm8 database.

  crm8 init  --database URI [--demo] [--lang zh_CN]
  crm8 serve --database URI [--port N]
  crm8 config --database URI          (print the trytond configuration)

URI is sqlite:///path/to/NAME.sqlite or postgresql://user@host:port/NAME.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# The standard modules the suite installs beside its own (the demo and the
# later crm8 modules build on them).
STANDARD_MODULES = ['sale_opportunity']
LANGUAGES = ['zh_CN']


def crm8_modules():
    from importlib.metadata import entry_points
    return sorted(ep.name for ep in entry_points(group='trytond.modules')
        if ep.value.startswith('crm8.'))


def parse_database(uri):
    "Return (trytond database uri, path or None, database name)"
    parts = urlsplit(uri)
    if parts.scheme == 'sqlite':
        path = Path(parts.path)
        if path.suffix != '.sqlite':
            sys.exit(f"crm8: a SQLite database ends in .sqlite: {uri}")
        return 'sqlite://', str(path.parent.resolve()), path.stem
    if parts.scheme.startswith('postgresql'):
        name = parts.path.strip('/')
        if not name:
            sys.exit(f"crm8: name the database in the URI: {uri}")
        server = urlunsplit((parts.scheme, parts.netloc, '/', '', ''))
        return server, None, name
    sys.exit(f"crm8: unknown database URI: {uri}")


def sao_root():
    "Return the folder of the installed web client, if any"
    for base in [Path.cwd(), Path(__file__).resolve().parent.parent]:
        root = base / 'node_modules' / 'tryton-sao'
        if (root / 'index.html').exists():
            return root
    return None


def write_config(uri, port=8000):
    "Write the trytond configuration for the database and return its path"
    db_uri, path, name = parse_database(uri)
    lines = [
        '[database]',
        f'uri = {db_uri}',
        'language = zh_CN',
        ]
    if path:
        lines.append(f'path = {path}')
    lines += [
        '',
        '[web]',
        f'listen = 127.0.0.1:{port}',
        ]
    root = sao_root()
    if root:
        lines.append(f'root = {root}')
    lines += [
        '',
        '[email]',
        f'uri = {os.environ.get("CRM8_SMTP", "smtp://localhost:25")}',
        'from = crm8 <crm8@localhost>',
        '',
        '[session]',
        'authentications = password',
        '',
        ]
    directory = Path(path) if path else Path(tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / f'{name}.conf'
    config.write_text('\n'.join(lines))
    return config, name, path


def bin_(name):
    return str(Path(sys.executable).parent / name)


def init(args):
    config, name, path = write_config(args.database)
    new = False
    if path:
        # trytond-admin needs the SQLite file to exist
        db_file = Path(path) / f'{name}.sqlite'
        new = not db_file.exists()
        db_file.touch()
    else:
        create_postgresql(args.database, name)
    modules = crm8_modules() + STANDARD_MODULES
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(args.password + '\n')
        passfile.flush()
        env = dict(os.environ, TRYTONPASSFILE=passfile.name)
        cmd = [bin_('trytond-admin'), '-c', str(config), '-d', name,
            '-u', *modules, '--activate-dependencies',
            '--email', 'admin@example.com', '-l', *args.lang]
        subprocess.run(cmd, check=True, env=env)
    if args.demo:
        from crm8 import demo
        try:
            demo.load(str(config), name)
        except BaseException:
            if new:
                # a half-loaded demo is worse than none: start afresh
                db_file.unlink()
            raise
    print(f"crm8: database {name!r} ready ({', '.join(modules)})")


def create_postgresql(uri, name):
    import psycopg
    parts = urlsplit(uri)
    server = urlunsplit(('postgresql', parts.netloc, '/postgres', '', ''))
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute(
            'SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\'')


def serve(args):
    config, name, _ = write_config(args.database, args.port)
    if not sao_root():
        print("crm8: web client not found; run `make sao` (RPC still works)",
            file=sys.stderr)
    print(f"crm8: serving {name!r} on http://127.0.0.1:{args.port}/ "
        "(log in as admin / admin on the demo)", flush=True)
    os.execv(bin_('trytond'), [bin_('trytond'), '-c', str(config),
            '-d', name])


def show_config(args):
    config, _, _ = write_config(args.database)
    print(config.read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(prog='crm8', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    p = commands.add_parser('init', help="create or upgrade a database")
    p.add_argument('--database', required=True)
    p.add_argument('--demo', action='store_true',
        help="load the Chinese demo data")
    p.add_argument('--lang', nargs='+', default=LANGUAGES)
    p.add_argument('--password', default='admin',
        help="password of admin when the database is created")
    p.set_defaults(func=init)
    p = commands.add_parser('serve', help="serve the web client and RPC")
    p.add_argument('--database', required=True)
    p.add_argument('--port', type=int, default=8000)
    p.set_defaults(func=serve)
    p = commands.add_parser('config', help="print the trytond configuration")
    p.add_argument('--database', required=True)
    p.set_defaults(func=show_config)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == '__main__':
    main()
