export { type CapturedPacket, LinkType, MAX_CAPTURED_LENGTH } from './captured-packet.js';
export { CaptureFormatError } from './errors.js';
export { type OvsPcapRead, type OvsReadError, readPcapAsOvs } from './ovs-reader.js';
export { openCapture, readCaptureBuffer, readCaptureFile, readCaptureStream } from './read.js';
export { type CaptureFormat, sniffFormat } from './sniff.js';
export { encodePcap, type PcapWriteOptions, PcapWriter } from './write.js';
