export { resolveControlSocket, UnixctlServerError, UnixctlUnreachableError, unixctlCall } from './client.js';
export { UnixctlCommandError, type UnixctlHandler, UnixctlServer } from './server.js';
