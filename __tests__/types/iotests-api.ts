// Type test of the `iotests` helpers' signatures (compiled by `npm run typecheck`, never run).
import { iotests, type JsonValue, type QmpResponse } from '../../src';
import { exactly } from './type-assertions';

declare const reply: QmpResponse;
declare const anything: unknown;
declare const hasDevice: boolean;

export async function iotestsApi(device: string | undefined): Promise<string> {
  // notrun ends the test: what follows may rely on the condition it checked.
  exactly<never>()(iotests.notrun('reason'));
  if (device === undefined || !hasDevice) iotests.notrun('needs a host block device');
  // From QMP data, qmpPath gives a JsonValue to narrow; from anything else, unknown.
  exactly<JsonValue>()(iotests.qmpPath(reply, 'return'));
  exactly<unknown>()(iotests.qmpPath(anything, 'a/b'));
  // The seed's module variables.
  exactly<string>()(iotests.qemuProg);
  exactly<string[]>()(iotests.qemuImgArgs);
  await exactly<Promise<number>>()(iotests.qemuImgStatus('check', 'x'));
  await exactly<Promise<boolean>>()(iotests.supportsQcow2ZstdCompression());
  exactly<boolean>()(iotests.capabilities.qcow2Zstd);
  return device;
}
