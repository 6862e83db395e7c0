"""The demo connected service as a WSGI app (standard library, httpx and jwcrypto only).

Two pretend services share the process: the GP surgery at ``/`` and a pharmacy under
``/pharmacy/``. Signed in to the GP surgery, the patient can go to the pharmacy without
signing in again: the surgery signs an ``asserted_login_identity`` naming the ID token it
received and hands it to the pharmacy, which asks NHS login with ``prompt=none`` (single
sign-on, ADR 0067). They share the demo's key, each registered under its own client_id.
"""

import base64
import hashlib
import hmac
import html
import json
import secrets
import time
from dataclasses import dataclass
from http import cookies
from urllib.parse import parse_qs, urlencode

import httpx
from jwcrypto import jwk, jwt

from connected_services.demo_relying_party import config

COOKIE = "demo_rp_state"
# The GP surgery remembers the ID token it received (its jti only) to hand the patient on.
SIGNED_IN_COOKIE = "demo_rp_signed_in"
# The single sign-on answers after which the pharmacy asks again without prompt=none (the
# patient may then see NHS login's sign-in or consent page, never an error).
ASK_AGAIN = ("sso_login_required", "login_required", "consent_required", "interaction_required")
LEVELS = {
    "P0": ("P0.Cp.Cd", "openid email phone"),
    "P5": ("P5.Cp.Cd", "openid basic_demographics email phone"),
    "P9": ("P9.Cp.Cd", "openid profile profile_extended email phone gp_registration_details"),
}
STYLE = """
body{font-family:Arial,sans-serif;margin:0;color:#212b32;background:#f0f4f5;line-height:1.5}
header{background:#005eb8;color:#fff;padding:16px 24px}header p{margin:0;font-weight:bold}
main{max-width:640px;margin:24px auto;background:#fff;padding:24px}
h1{font-size:2rem;margin-top:0}
.button{background:#007f3b;color:#fff;border:0;padding:12px 16px;font-size:1.1rem;
 border-radius:4px;box-shadow:0 4px 0 #00401e;cursor:pointer}
.button:focus{outline:4px solid #ffeb3b}
fieldset{border:0;padding:0;margin:0 0 24px}legend{font-weight:bold;font-size:1.2rem}
label{display:block;margin:8px 0}table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #d8dde0;padding:8px;vertical-align:top}
td{word-break:break-all}a{color:#005eb8}
"""


@dataclass(frozen=True)
class Party:
    """One of the two pretend services: its client_id, name, path prefix and state cookie."""

    client_id: str
    name: str
    prefix: str
    cookie: str


PHARMACY = Party(
    config.PHARMACY_CLIENT_ID, config.PHARMACY_NAME, config.PHARMACY_PREFIX, "demo_pharmacy_state"
)


class DemoService:
    """The relying party: discovery, authorize, private_key_jwt code exchange, ID token check
    against the provider's JWKS, userinfo."""

    def __init__(self, issuer: str, base_url: str, key: jwk.JWK, client_id=config.CLIENT_ID):
        self.issuer = issuer.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.client_id = client_id
        self.surgery = Party(client_id, config.NAME, "", COOKIE)
        self.secret = secrets.token_bytes(32)
        self._metadata = None

    # -- protocol --------------------------------------------------------------------------

    def metadata(self) -> dict:
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            self._metadata = httpx.get(url, timeout=10).json()
        return self._metadata

    def client_assertion(self, client_id: str | None = None) -> str:
        client_id = client_id or self.client_id
        now = int(time.time())
        token = jwt.JWT(
            header={"alg": "RS512", "typ": "JWT"},
            claims={
                "iss": client_id,
                "sub": client_id,
                "aud": self.metadata()["token_endpoint"],
                "iat": now,
                "exp": now + 60,
                "jti": secrets.token_urlsafe(24),
            },
        )
        token.make_signed_token(self.key)
        return token.serialize()

    def asserted_login_identity(self, id_token_jti: str) -> str:
        """What the GP surgery hands the pharmacy: a JWT it signs naming the ID token it
        received (``code``), for one use within 60 seconds (NHS login's single sign-on)."""
        now = int(time.time())
        token = jwt.JWT(
            header={"alg": "RS512", "typ": "JWT"},
            claims={
                "iss": self.client_id,
                "code": id_token_jti,
                "jti": secrets.token_urlsafe(24),
                "iat": now,
                "exp": now + 60,
            },
        )
        token.make_signed_token(self.key)
        return token.serialize()

    def exchange(self, code: str, verifier: str, party: Party | None = None) -> dict:
        party = party or self.surgery
        response = httpx.post(
            self.metadata()["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{self.base_url}{party.prefix}/callback",
                "code_verifier": verifier,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": self.client_assertion(party.client_id),
            },
            timeout=10,
        )
        body = response.json()
        if response.status_code != 200:
            raise ValueError(f"token endpoint said {body.get('error')}")
        return body

    def check_id_token(self, id_token: str, nonce: str, client_id: str | None = None) -> dict:
        keys = jwk.JWKSet.from_json(httpx.get(self.metadata()["jwks_uri"], timeout=10).text)
        checked = jwt.JWT(
            jwt=id_token,
            key=keys,
            algs=["RS512", "RS256"],
            check_claims={"iss": self.issuer, "aud": client_id or self.client_id, "exp": None},
        )
        claims = json.loads(checked.claims)
        if claims.get("nonce") != nonce:
            raise ValueError("the nonce in the ID token does not match")
        return claims

    def userinfo(self, access_token: str) -> dict:
        response = httpx.get(
            self.metadata()["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )
        return response.json()

    # -- the browser's state, in a signed cookie ---------------------------------------------

    def _sign(self, data: dict) -> str:
        raw = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
        mac = hmac.new(self.secret, raw.encode(), hashlib.sha256).hexdigest()
        return f"{raw}.{mac}"

    def _unsign(self, value: str) -> dict | None:
        raw, _, mac = value.rpartition(".")
        expected = hmac.new(self.secret, raw.encode(), hashlib.sha256).hexdigest()
        if not raw or not hmac.compare_digest(mac, expected):
            return None
        return json.loads(base64.urlsafe_b64decode(raw.encode()))

    # -- pages ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        jar = cookies.SimpleCookie(environ.get("HTTP_COOKIE", ""))
        pharmacy = PHARMACY.prefix
        if path == "/":
            return self._page(start_response, self.surgery, self.surgery.name, self._home())
        if path == "/login":
            level = query.get("level", "P0")
            vector, scope = LEVELS.get(level, LEVELS["P0"])
            return self._login(start_response, self.surgery, vector, scope)
        if path == "/callback":
            return self._callback(jar, start_response, query, self.surgery)
        if path == "/to-pharmacy":
            return self._to_pharmacy(jar, start_response)
        if path == f"{pharmacy}/":
            return self._page(start_response, PHARMACY, PHARMACY.name, self._pharmacy_home())
        if path == f"{pharmacy}/login":
            return self._login(
                start_response,
                PHARMACY,
                "P0.Cp",
                "openid email",
                asserted=query.get("asserted_login_identity", ""),
            )
        if path == f"{pharmacy}/callback":
            return self._callback(jar, start_response, query, PHARMACY)
        return self._page(
            start_response,
            self.surgery,
            "Page not found",
            "<h1>Page not found</h1>",
            "404 Not Found",
        )

    def _home(self) -> str:
        options = "".join(
            f'<label><input type="radio" name="level" value="{level}"'
            f"{' checked' if level == 'P0' else ''}> {text}</label>"
            for level, text in (
                ("P0", "Just my NHS login (P0)"),
                ("P5", "I have proved who I am to a medium level (P5)"),
                ("P9", "I have proved who I am to a high level (P9)"),
            )
        )
        return (
            "<h1>Demo GP surgery</h1>"
            "<p>This is a pretend connected service. It shows how a service signs you in with "
            "NHS login and what it is told about you.</p>"
            '<form method="get" action="/login"><fieldset>'
            "<legend>What should the service ask NHS login for?</legend>"
            f"{options}</fieldset>"
            '<button class="button" type="submit">Continue to NHS login</button></form>'
        )

    def _pharmacy_home(self) -> str:
        return (
            "<h1>Demo pharmacy</h1>"
            "<p>This is a second pretend connected service. Signed in to the demo GP surgery, "
            "you can come here without signing in again.</p>"
            f'<form method="get" action="{PHARMACY.prefix}/login">'
            '<button class="button" type="submit">Continue to NHS login</button></form>'
        )

    def _login(self, start_response, party: Party, vector: str, scope: str, asserted=""):
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        params = {
            "response_type": "code",
            "client_id": party.client_id,
            "redirect_uri": f"{self.base_url}{party.prefix}/callback",
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "vtr": json.dumps([vector]),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if asserted:
            # Single sign-on: no page at NHS login if the patient's sign-in carries over.
            params.update(prompt="none", asserted_login_identity=asserted)
        cookie = self._sign(
            {"state": state, "nonce": nonce, "verifier": verifier, "sso": bool(asserted)}
        )
        start_response(
            "302 Found",
            [
                ("Location", f"{self.metadata()['authorization_endpoint']}?{urlencode(params)}"),
                ("Set-Cookie", f"{party.cookie}={cookie}; Path=/; HttpOnly; SameSite=Lax"),
            ],
        )
        return [b""]

    def _to_pharmacy(self, jar, start_response):
        """The GP surgery hands the signed-in patient to the pharmacy with an assertion."""
        signed_in = self._unsign(jar[SIGNED_IN_COOKIE].value) if SIGNED_IN_COOKIE in jar else None
        target = f"{PHARMACY.prefix}/login"
        if signed_in and signed_in.get("jti"):
            assertion = self.asserted_login_identity(signed_in["jti"])
            target += "?" + urlencode({"asserted_login_identity": assertion})
        start_response("302 Found", [("Location", target)])
        return [b""]

    def _callback(self, jar, start_response, query, party: Party):
        saved = self._unsign(jar[party.cookie].value) if party.cookie in jar else None
        if not saved or query.get("state") != saved["state"]:
            body = "<h1>Sorry, something went wrong</h1><p>Start again from the home page.</p>"
            return self._page(
                start_response, party, "Something went wrong", body, "400 Bad Request"
            )
        if "error" in query:
            if saved.get("sso") and query["error"] in ASK_AGAIN:
                # The sign-in did not carry over silently: ask NHS login the ordinary way.
                start_response("302 Found", [("Location", f"{party.prefix}/login")])
                return [b""]
            error = html.escape(query["error"])
            body = (
                "<h1>You did not sign in</h1>"
                f'<p>NHS login said: <code>{error}</code></p><p><a href="{party.prefix}/">'
                "Try again</a></p>"
            )
            return self._page(start_response, party, "You did not sign in", body)
        try:
            tokens = self.exchange(query.get("code", ""), saved["verifier"], party)
            claims = self.check_id_token(tokens["id_token"], saved["nonce"], party.client_id)
            info = self.userinfo(tokens["access_token"])
        except (ValueError, KeyError, httpx.HTTPError) as error:
            body = f"<h1>Sorry, we could not sign you in</h1><p>{html.escape(str(error))}</p>"
            return self._page(start_response, party, "Could not sign in", body, "502 Bad Gateway")
        headers = []
        if party is self.surgery:
            remembered = self._sign({"jti": claims.get("jti", "")})
            headers.append(
                ("Set-Cookie", f"{SIGNED_IN_COOKIE}={remembered}; Path=/; HttpOnly; SameSite=Lax")
            )
        return self._page(
            start_response,
            party,
            "You are signed in",
            self._signed_in(claims, info, party, saved.get("sso", False)),
            headers=headers,
        )

    def _signed_in(self, claims: dict, info: dict, party: Party, sso: bool) -> str:
        def table(caption, data):
            rows = "".join(
                f'<tr><th scope="row">{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>'
                for k, v in data.items()
            )
            return f"<table><caption><h2>{caption}</h2></caption>{rows}</table>"

        if party is self.surgery:
            onward = (
                '<p><a href="/to-pharmacy">Go to the demo pharmacy without signing in again</a></p>'
            )
        else:
            how = (
                "You came from the demo GP surgery without signing in again."
                if sso
                else "You signed in with NHS login."
            )
            onward = f'<p id="how">{how}</p>'
        return (
            "<h1>You are signed in</h1>"
            f'<p>NHS login vouched for you at <strong id="vot">{html.escape(claims.get("vot", ""))}'
            "</strong>.</p>"
            + onward
            + table("ID token", claims)
            + table("Userinfo", info)
            + f'<p><a href="{party.prefix}/">Sign in again</a></p>'
        )

    def _page(self, start_response, party, title, body, status="200 OK", headers=()):
        page = (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} - {party.name}</title><style>{STYLE}</style></head>"
            f"<body><header><p>{party.name} (a pretend connected service)</p></header>"
            f"<main>{body}</main></body></html>"
        )
        start_response(
            status,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Cache-Control", "no-store"),
                *headers,
            ],
        )
        return [page.encode()]
