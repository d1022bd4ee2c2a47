export {
  Connection,
  ConnectionClosedError,
  type ConnectionOptions,
  connectRemote,
  parseActiveRemote,
  type RequestHandler,
  RpcError,
} from './connection.js';
export { DEFAULT_MAX_MESSAGE_BYTES, FramingError, JsonFramer } from './framer.js';
export { decodeMessage, encodeMessage, type Id, type JsonValue, type Message, ProtocolError } from './message.js';
