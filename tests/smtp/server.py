"""A real SMTP server for cardrecon's delivery tests (aiosmtpd, Debian's python3-aiosmtpd), on
loopback. It prints `ready PORT` once listening and writes each message it accepts to
DIR/NNN.eml, with DIR/NNN.json holding the envelope and the login used.

usage: server.py --dir DIR [--user U --password P] [--tls-cert C --tls-key K [--implicit-tls]]
                 [--die-on-data]

--user/--password  require AUTH (PLAIN/LOGIN) with these; any other login is refused (535)
--tls-cert/--tls-key  offer STARTTLS and require it before AUTH and MAIL
--implicit-tls     with the certificate: TLS from the first byte (SMTPS) instead of STARTTLS
--die-on-data      vanish (exit without answering) once the message body has arrived: the
                   server that disappears mid-message
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--user")
ap.add_argument("--password")
ap.add_argument("--tls-cert")
ap.add_argument("--tls-key")
ap.add_argument("--implicit-tls", action="store_true")
ap.add_argument("--die-on-data", action="store_true")
args = ap.parse_args()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        if args.die_on_data:
            os._exit(0)
        n = len([f for f in os.listdir(args.dir) if f.endswith(".eml")])
        base = os.path.join(args.dir, f"{n:03}")
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        tls = session.ssl is not None or args.implicit_tls
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login,
                       "tls": tls}, f)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == (args.user or "").encode()
          and auth_data.password == (args.password or "").encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def tls_context():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    return ctx


def factory():
    kw = {}
    if args.user:
        # Over implicit TLS the connection is already encrypted (aiosmtpd cannot tell).
        kw.update(authenticator=authenticator, auth_required=True,
                  auth_require_tls=bool(args.tls_cert) and not args.implicit_tls)
    if args.tls_cert and not args.implicit_tls:
        kw.update(tls_context=tls_context(), require_starttls=True)
    return SMTP(Handler(), hostname="localhost", **kw)


async def main():
    loop = asyncio.get_running_loop()
    wrap = tls_context() if args.tls_cert and args.implicit_tls else None
    server = await loop.create_server(factory, "127.0.0.1", 0, ssl=wrap)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
