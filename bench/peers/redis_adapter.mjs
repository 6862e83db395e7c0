// A Redis adapter for oidc-provider, written to its documented adapter interface (upsert, find,
// findByUid, findByUserCode, consume, destroy, revokeByGrantId). One ioredis client per
// process, shared by every model. Consumable models (codes, refresh tokens) are hashes so that
// consume() marks them with one HSET; every other model is a JSON string. A grant's keys are
// listed under grant:<id> so that reuse detection (revokeByGrantId) can delete the family.
import Redis from 'ioredis';

const client = new Redis(process.env.PEER_REDIS_URL, { keyPrefix: 'oidc:' });

const consumable = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const grantKey = (id) => `grant:${id}`;
const userCodeKey = (code) => `userCode:${code}`;
const uidKey = (uid) => `uid:${uid}`;

export default class RedisAdapter {
  constructor(name) {
    this.name = name;
    this.hash = consumable.has(name);
  }

  key(id) {
    return `${this.name}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const multi = client.multi();
    if (this.hash) {
      multi.hset(key, { payload: JSON.stringify(payload) });
    } else {
      multi.set(key, JSON.stringify(payload));
    }
    if (expiresIn) multi.expire(key, expiresIn);
    if (payload.grantId) {
      const list = grantKey(payload.grantId);
      multi.rpush(list, key);
      // The family list lives as long as its longest-lived member.
      if (expiresIn) multi.expire(list, expiresIn, 'GT');
      multi.expire(list, expiresIn || 14 * 24 * 3600, 'NX');
    }
    if (payload.userCode) multi.set(userCodeKey(payload.userCode), id, 'EX', expiresIn);
    if (payload.uid) multi.set(uidKey(payload.uid), id, 'EX', expiresIn);
    await multi.exec();
  }

  async find(id) {
    if (this.hash) {
      const data = await client.hgetall(this.key(id));
      if (!data || !data.payload) return undefined;
      const { payload, ...rest } = data;
      if (rest.consumed) rest.consumed = Number(rest.consumed);
      return { ...rest, ...JSON.parse(payload) };
    }
    const data = await client.get(this.key(id));
    return data ? JSON.parse(data) : undefined;
  }

  async findByUid(uid) {
    const id = await client.get(uidKey(uid));
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode) {
    const id = await client.get(userCodeKey(userCode));
    return id ? this.find(id) : undefined;
  }

  async destroy(id) {
    await client.del(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const list = grantKey(grantId);
    const keys = await client.lrange(list, 0, -1);
    // The list holds unprefixed keys; the client adds its keyPrefix to each, as for every command.
    await client.del(list, ...keys);
  }

  async consume(id) {
    await client.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
  }
}

export { client };
