import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizationHeader, percentEncode, signatureBaseString, signHmacSha1, signRsaSha1 } from '../../shared/providers/oauth1';

// Every expected value below is RFC 5849's own (https://www.rfc-editor.org/rfc/rfc5849).
describe('OAuth 1.0a signatures (RFC 5849)', () => {
  it('builds the signature base string of §3.4.1.1', () => {
    // The request of §3.4.1: query `b5=%3D%253D&a3=a&c%40=&a2=r%20b`, body `c2&a3=2+q`, protocol parameters.
    const body = [...new URLSearchParams('c2&a3=2+q')];
    const base = signatureBaseString('POST', 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b', [
      ['oauth_consumer_key', '9djdj82h48djs9d2'],
      ['oauth_token', 'kkk9d7dh3k39sjv7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', '7d8f3e4a'],
      ['realm', 'Example'],
      ['oauth_signature', 'bYT5CMsGcbgUdFHObYMEfcx6bsw='],
      ...body,
    ]);
    expect(base).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it('normalises the base string URI as §3.4.1.2 shows: lowercase scheme and host, default port dropped, other ports kept', () => {
    expect(signatureBaseString('GET', 'HTTP://EXAMPLE.COM:80/r%20v/X?id=123', []).split('&')[1]).toBe(percentEncode('http://example.com/r%20v/X'));
    expect(signatureBaseString('GET', 'https://www.example.net:8080/?q=1', []).split('&')[1]).toBe(percentEncode('https://www.example.net:8080/'));
  });

  it('percent-encodes as §3.6 says: unreserved characters only stay, hex in uppercase, UTF-8 first', () => {
    expect(percentEncode("Ladies + Gentlemen!*'()~._-")).toBe('Ladies%20%2B%20Gentlemen%21%2A%27%28%29~._-');
    expect(percentEncode('☃')).toBe('%E2%98%83');
  });

  it('signs HMAC-SHA1 (§3.4.2) to the signatures of the §1.2 example, all three requests', () => {
    const client = 'kd94hf93k423kf44';
    const initiate = signatureBaseString('POST', 'https://photos.example.net/initiate', [
      ['oauth_consumer_key', 'dpf43f3p2l4k3l03'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131200'],
      ['oauth_nonce', 'wIjqoS'],
      ['oauth_callback', 'http://printer.example.com/ready'],
    ]);
    expect(signHmacSha1(initiate, client)).toBe('74KNZJeDHnMBp0EMJ9ZHt/XKycU=');

    const token = signatureBaseString('POST', 'https://photos.example.net/token', [
      ['oauth_consumer_key', 'dpf43f3p2l4k3l03'],
      ['oauth_token', 'hh5s93j4hdidpola'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', 'walatlh'],
      ['oauth_verifier', 'hfdp7dh39dks9884'],
    ]);
    expect(signHmacSha1(token, client, 'hdhd0244k9j7ao03')).toBe('gKgrFCywp7rO0OXSjdot/IHF7IU=');

    const resource = signatureBaseString('GET', 'http://photos.example.net/photos?file=vacation.jpg&size=original', [
      ['oauth_consumer_key', 'dpf43f3p2l4k3l03'],
      ['oauth_token', 'nnch734d00sl2jdk'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131202'],
      ['oauth_nonce', 'chapoH'],
    ]);
    expect(signHmacSha1(resource, client, 'pfkkdhi9sl3r4s00')).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it('signs RSA-SHA1 (§3.4.3) so that the public key verifies it, and no other key or base string does', () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const base = signatureBaseString('POST', 'https://jira.example.test/plugins/servlet/oauth/request-token', [['oauth_consumer_key', 'handshake'], ['oauth_signature_method', 'RSA-SHA1']]);
    const signature = signRsaSha1(base, keys.privateKey);
    expect(verify('RSA-SHA1', Buffer.from(base), keys.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(verify('RSA-SHA1', Buffer.from(base), other.publicKey, Buffer.from(signature, 'base64'))).toBe(false);
    expect(verify('RSA-SHA1', Buffer.from(`${base}x`), keys.publicKey, Buffer.from(signature, 'base64'))).toBe(false);
    // PKCS#1 v1.5 is deterministic: the same base string signs the same.
    expect(signRsaSha1(base, keys.privateKey)).toBe(signature);
  });

  it('writes the Authorization header of §3.5.1 with every value encoded and quoted', () => {
    expect(authorizationHeader({ oauth_consumer_key: 'dpf43f3p2l4k3l03', oauth_callback: 'http://printer.example.com/ready' })).toBe(
      'OAuth oauth_consumer_key="dpf43f3p2l4k3l03", oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready"',
    );
  });
});
