export {
  Connection,
  ConnectionClosedError,
  type ConnectionOptions,
  connectRemote,
  DEFERRED,
  parseActiveRemote,
  type RequestHandler,
  RpcError,
} from './connection.js';
export { DEFAULT_MAX_MESSAGE_BYTES, FramingError, JsonFramer } from './framer.js';
export {
  decodeMessage,
  encodeMessage,
  encodeNotification,
  encodeReply,
  type Id,
  type JsonValue,
  type Message,
  type Payload,
  ProtocolError,
  payloadText,
  RawJson,
} from './message.js';
export { type ByteStream, listenPipe, type PipeServer, PipeStream } from './pipe-server.js';
