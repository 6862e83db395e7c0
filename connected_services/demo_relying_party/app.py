"""The demo connected service as a WSGI app (standard library, httpx and jwcrypto only)."""

import base64
import hashlib
import hmac
import html
import json
import secrets
import time
from http import cookies
from urllib.parse import parse_qs, urlencode

import httpx
from jwcrypto import jwk, jwt

from connected_services.demo_relying_party import config

COOKIE = "demo_rp_state"
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


class DemoService:
    """The relying party: discovery, authorize, private_key_jwt code exchange, ID token check
    against the provider's JWKS, userinfo."""

    def __init__(self, issuer: str, base_url: str, key: jwk.JWK, client_id=config.CLIENT_ID):
        self.issuer = issuer.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.client_id = client_id
        self.secret = secrets.token_bytes(32)
        self._metadata = None

    # -- protocol --------------------------------------------------------------------------

    def metadata(self) -> dict:
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            self._metadata = httpx.get(url, timeout=10).json()
        return self._metadata

    def client_assertion(self) -> str:
        now = int(time.time())
        token = jwt.JWT(
            header={"alg": "RS512", "typ": "JWT"},
            claims={
                "iss": self.client_id,
                "sub": self.client_id,
                "aud": self.metadata()["token_endpoint"],
                "iat": now,
                "exp": now + 60,
                "jti": secrets.token_urlsafe(24),
            },
        )
        token.make_signed_token(self.key)
        return token.serialize()

    def exchange(self, code: str, verifier: str) -> dict:
        response = httpx.post(
            self.metadata()["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{self.base_url}/callback",
                "code_verifier": verifier,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": self.client_assertion(),
            },
            timeout=10,
        )
        body = response.json()
        if response.status_code != 200:
            raise ValueError(f"token endpoint said {body.get('error')}")
        return body

    def check_id_token(self, id_token: str, nonce: str) -> dict:
        keys = jwk.JWKSet.from_json(httpx.get(self.metadata()["jwks_uri"], timeout=10).text)
        checked = jwt.JWT(
            jwt=id_token,
            key=keys,
            algs=["RS512", "RS256"],
            check_claims={"iss": self.issuer, "aud": self.client_id, "exp": None},
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
        if path == "/":
            return self._page(start_response, "Demo GP surgery", self._home())
        if path == "/login":
            return self._login(start_response, query)
        if path == "/callback":
            return self._callback(environ, start_response, query)
        return self._page(
            start_response, "Page not found", "<h1>Page not found</h1>", "404 Not Found"
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

    def _login(self, start_response, query):
        level = query.get("level", "P0")
        vector, scope = LEVELS.get(level, LEVELS["P0"])
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": f"{self.base_url}/callback",
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "vtr": json.dumps([vector]),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        cookie = self._sign({"state": state, "nonce": nonce, "verifier": verifier})
        start_response(
            "302 Found",
            [
                ("Location", f"{self.metadata()['authorization_endpoint']}?{urlencode(params)}"),
                ("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax"),
            ],
        )
        return [b""]

    def _callback(self, environ, start_response, query):
        jar = cookies.SimpleCookie(environ.get("HTTP_COOKIE", ""))
        saved = self._unsign(jar[COOKIE].value) if COOKIE in jar else None
        if not saved or query.get("state") != saved["state"]:
            body = "<h1>Sorry, something went wrong</h1><p>Start again from the home page.</p>"
            return self._page(start_response, "Something went wrong", body, "400 Bad Request")
        if "error" in query:
            error = html.escape(query["error"])
            body = (
                "<h1>You did not sign in</h1>"
                f'<p>NHS login said: <code>{error}</code></p><p><a href="/">Try again</a></p>'
            )
            return self._page(start_response, "You did not sign in", body)
        try:
            tokens = self.exchange(query.get("code", ""), saved["verifier"])
            claims = self.check_id_token(tokens["id_token"], saved["nonce"])
            info = self.userinfo(tokens["access_token"])
        except (ValueError, KeyError, httpx.HTTPError) as error:
            body = f"<h1>Sorry, we could not sign you in</h1><p>{html.escape(str(error))}</p>"
            return self._page(start_response, "Could not sign in", body, "502 Bad Gateway")
        return self._page(start_response, "You are signed in", self._signed_in(claims, info))

    def _signed_in(self, claims: dict, info: dict) -> str:
        def table(caption, data):
            rows = "".join(
                f'<tr><th scope="row">{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>'
                for k, v in data.items()
            )
            return f"<table><caption><h2>{caption}</h2></caption>{rows}</table>"

        return (
            "<h1>You are signed in</h1>"
            f'<p>NHS login vouched for you at <strong id="vot">{html.escape(claims.get("vot", ""))}'
            "</strong>.</p>"
            + table("ID token", claims)
            + table("Userinfo", info)
            + '<p><a href="/">Sign in again</a></p>'
        )

    def _page(self, start_response, title, body, status="200 OK"):
        page = (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} - Demo GP surgery</title><style>{STYLE}</style></head>"
            "<body><header><p>Demo GP surgery (a pretend connected service)</p></header>"
            f"<main>{body}</main></body></html>"
        )
        start_response(
            status,
            [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
        )
        return [page.encode()]
