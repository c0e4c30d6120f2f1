/** Cold-init probe: jose (sealed state, session tokens, token encryption). */
export { CompactEncrypt, compactDecrypt, decodeProtectedHeader, EncryptJWT, jwtDecrypt, errors, SignJWT, jwtVerify } from 'jose';
