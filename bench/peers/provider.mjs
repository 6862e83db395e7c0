// node-oidc-provider 9 as bench/peer.py runs it: the same client as our bench (bench-service,
// private_key_jwt client assertions signed with RS512), RS512 ID tokens, opaque access tokens,
// refresh tokens rotated on every use (a used one presented again revokes the whole grant:
// the library's reuse detection), everything kept in Redis through ./redis_adapter.mjs.
// The configuration comes from the JSON file named by PEER_CONFIG (written by bench/peer.py).
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

import RedisAdapter from './redis_adapter.mjs';

export const config = JSON.parse(readFileSync(process.env.PEER_CONFIG, 'utf8'));

// The bench patient. A deployment would read the account from its user store; the peer keeps
// it in memory (as the library's own example does), so it pays for no account look-up.
const CLAIMS = {
  email: 'bench-patient@example.com',
  email_verified: true,
  phone_number: '+447700900001',
  phone_number_verified: true,
  given_name: 'Sam',
  family_name: 'Benchmark',
  birthdate: '1980-01-01',
  nhs_number: config.nhsNumber,
  identity_proofing_level: 'P9',
};

export function build() {
  const provider = new Provider(config.issuer, {
    adapter: RedisAdapter,
    clients: [
      {
        client_id: 'bench-service',
        redirect_uris: [config.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS512',
        id_token_signed_response_alg: 'RS512',
        jwks: { keys: [config.clientJwk] },
      },
    ],
    jwks: { keys: [config.signingJwk] },
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS512'],
      idTokenSigningAlgValues: ['RS512'],
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
      profile: ['given_name', 'family_name', 'birthdate', 'nhs_number', 'identity_proofing_level'],
    },
    scopes: ['openid', 'offline_access', 'email', 'phone', 'profile'],
    features: { devInteractions: { enabled: false } },
    rotateRefreshToken: true,
    expiresWithSession: () => false,
    ttl: { AccessToken: 300, IdToken: 300, RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600 },
    routes: { jwks: '/.well-known/jwks.json', token: '/token', userinfo: '/userinfo' },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub, ...CLAIMS }) }),
  });
  // Errors are answers here (the bench counts them); don't log each one.
  provider.on('server_error', (ctx, error) => console.error(error));
  return provider;
}
