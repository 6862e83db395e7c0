// Tokens for the peer bench, made through the provider's own models (so stored exactly as the
// server will read them): COUNT refresh-token families (one grant each) and one access token
// for userinfo. Prints {"refresh_tokens": [...], "userinfo_token": "..."}.
import { build } from './provider.mjs';
import { client } from './redis_adapter.mjs';

const count = Number(process.argv[2] || 40);
const provider = build();
const scope = 'openid profile email phone';
const accountId = 'bench-patient';
const clientObject = await provider.Client.find('bench-service');

async function newGrant() {
  const grant = new provider.Grant({ accountId, clientId: 'bench-service' });
  grant.addOIDCScope(scope);
  return grant.save();
}

const refreshTokens = [];
for (let i = 0; i < count; i += 1) {
  const grantId = await newGrant();
  const token = new provider.RefreshToken({
    accountId, client: clientObject, grantId, scope, gty: 'authorization_code',
    authTime: Math.floor(Date.now() / 1000), nonce: 'n', expiresWithSession: false,
  });
  refreshTokens.push(await token.save());
}
const access = new provider.AccessToken({
  accountId, client: clientObject, grantId: await newGrant(), scope, gty: 'authorization_code',
  expiresWithSession: false, expiresIn: 3600, // as long as our bench's userinfo token
});
const userinfoToken = await access.save();
console.log(JSON.stringify({ refresh_tokens: refreshTokens, userinfo_token: userinfoToken }));
await client.quit();
