/** The RESP codec: pure, streaming, no sockets and no project imports. */
export * from './types';
export { ReplyFramer, frameViews, type FrameCallback, type ErrorCallback } from './framer';
export { RequestFramer, RespCommand, type CommandCallback } from './request';
export { RespDecoder, type DecoderOptions } from './decoder';
export { FrameParser, type ParseOptions } from './parse';
export {
  encodeCommand,
  encodeCommands,
  encodeReply,
  downgradeReplyFrame,
  formatDouble,
  type EncodeReplyOptions,
} from './encode';
export { splitInlineArgs } from './inline';
export { respToJson, jsonToResp, jsonToArg, type JsonValue } from './json';
