// The sealing helpers live with the client store in src/db (the resource API uses them too).
export { decryptString, decryptWithAny, encryptString } from '../../db/oauth-clients/encryption.js';
