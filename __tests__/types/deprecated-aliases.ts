// Type test (compiled by `npm run typecheck`, never run): the deprecated names still compile with
// the types of their homes, so tests written against them keep compiling. Whether they are the
// same functions at run time, and whether TypeScript marks them deprecated, is
// __tests__/unit/public-api.test.ts's.
/* eslint-disable @typescript-eslint/no-deprecated -- using the deprecated names is the point */
import type {
  QcowHeader,
  QemuIoInteractive,
  QemuStorageDaemon,
  VM,
  dumpQcow2Header,
  dumpQcow2HeaderExts,
  filters,
} from '../../src';
import {
  caseNotrun,
  compareImages,
  createImage,
  currentVm,
  filePath,
  filePaths,
  hasWorkingLuks,
  imageSize,
  imgInfoLog,
  iotests,
  log,
  notrun,
  observationWindow,
  orderedQmp,
  qemuImg,
  qemuImgCheck,
  qemuImgCreate,
  qemuImgInfo,
  qemuImgJson,
  qemuImgLog,
  qemuImgMap,
  qemuImgMeasure,
  qemuImgPipe,
  qemuImgPipeAndStatus,
  qemuImgStatus,
  qemuIo,
  qemuIoLog,
  qemuIoPopen,
  qemuIoSilent,
  qemuIoSilentCheck,
  qemuNbd,
  qemuNbdEarlyPipe,
  qemuNbdListLog,
  qemuToolPopen,
  qmpPath,
  releaseAtLeast,
  remoteFilename,
  requires,
  retryPbkdfFluke,
  supportedFormats,
  supportsQcow2ZstdCompression,
  supportsQuorum,
  transcript,
  tryRemove,
  unarchiveSampleImage,
  unmetRequirement,
  verifyVirtioScsiPciOrCcw,
  withFilePaths,
  withQemuNbd,
  withTimeout,
  type JsonValue,
  type QmpResponse,
} from '../../src';
import { exactly } from './type-assertions';

type Iotests = typeof iotests;
declare const reply: QmpResponse;

// Each named alias has exactly its `iotests` member's type (overloads and generics included).
exactly<Iotests['transcript']>()(transcript);
exactly<Iotests['log']>()(log);
exactly<Iotests['orderedQmp']>()(orderedQmp);
exactly<Iotests['qmpPath']>()(qmpPath);
exactly<Iotests['requires']>()(requires);
exactly<Iotests['notrun']>()(notrun);
exactly<Iotests['caseNotrun']>()(caseNotrun);
exactly<Iotests['unmetRequirement']>()(unmetRequirement);
exactly<Iotests['supportedFormats']>()(supportedFormats);
exactly<Iotests['hasWorkingLuks']>()(hasWorkingLuks);
exactly<Iotests['supportsQuorum']>()(supportsQuorum);
exactly<Iotests['verifyVirtioScsiPciOrCcw']>()(verifyVirtioScsiPciOrCcw);
exactly<Iotests['releaseAtLeast']>()(releaseAtLeast);
exactly<Iotests['filePath']>()(filePath);
exactly<Iotests['filePaths']>()(filePaths);
exactly<Iotests['withFilePaths']>()(withFilePaths);
exactly<Iotests['tryRemove']>()(tryRemove);
exactly<Iotests['createImage']>()(createImage);
exactly<Iotests['unarchiveSampleImage']>()(unarchiveSampleImage);
exactly<Iotests['remoteFilename']>()(remoteFilename);
exactly<Iotests['withTimeout']>()(withTimeout);
exactly<Iotests['observationWindow']>()(observationWindow);
exactly<Iotests['retryPbkdfFluke']>()(retryPbkdfFluke);
exactly<Iotests['qemuImg']>()(qemuImg);
exactly<Iotests['qemuImgCreate']>()(qemuImgCreate);
exactly<Iotests['qemuImgLog']>()(qemuImgLog);
exactly<Iotests['qemuImgJson']>()(qemuImgJson);
exactly<Iotests['qemuImgMeasure']>()(qemuImgMeasure);
exactly<Iotests['qemuImgCheck']>()(qemuImgCheck);
exactly<Iotests['qemuImgInfo']>()(qemuImgInfo);
exactly<Iotests['qemuImgMap']>()(qemuImgMap);
exactly<Iotests['qemuImgPipe']>()(qemuImgPipe);
exactly<Iotests['qemuImgPipeAndStatus']>()(qemuImgPipeAndStatus);
exactly<Iotests['qemuImgStatus']>()(qemuImgStatus);
exactly<Iotests['supportsQcow2ZstdCompression']>()(supportsQcow2ZstdCompression);
exactly<Iotests['imgInfoLog']>()(imgInfoLog);
exactly<Iotests['imageSize']>()(imageSize);
exactly<Iotests['compareImages']>()(compareImages);
exactly<Iotests['qemuIo']>()(qemuIo);
exactly<Iotests['qemuIoLog']>()(qemuIoLog);
exactly<Iotests['qemuIoSilent']>()(qemuIoSilent);
exactly<Iotests['qemuIoSilentCheck']>()(qemuIoSilentCheck);
exactly<Iotests['qemuToolPopen']>()(qemuToolPopen);
exactly<Iotests['qemuIoPopen']>()(qemuIoPopen);
exactly<Iotests['qemuNbd']>()(qemuNbd);
exactly<Iotests['qemuNbdEarlyPipe']>()(qemuNbdEarlyPipe);
exactly<Iotests['qemuNbdListLog']>()(qemuNbdListLog);
exactly<Iotests['withQemuNbd']>()(withQemuNbd);
exactly<() => VM>()(currentVm);
exactly<() => VM>()(iotests.currentVm);

// The deprecated `iotests` members have their named homes' types.
exactly<typeof filters>()(iotests.filters);
exactly<typeof VM>()(iotests.VM);
exactly<typeof QcowHeader>()(iotests.QcowHeader);
exactly<typeof dumpQcow2Header>()(iotests.dumpQcow2Header);
exactly<typeof dumpQcow2HeaderExts>()(iotests.dumpQcow2HeaderExts);
exactly<typeof QemuIoInteractive>()(iotests.QemuIoInteractive);
exactly<typeof QemuStorageDaemon>()(iotests.QemuStorageDaemon);

// Code written against the old names reads as before: the named notrun still ends the code after
// it, and the overloads still give QMP data a JsonValue.
export async function oldStyle(device: string | undefined): Promise<string> {
  requires({ formats: ['qcow2'] });
  if (device === undefined) notrun('needs a host block device');
  exactly<JsonValue>()(qmpPath(reply, 'return[0]/offset'));
  await exactly<Promise<number>>()(qemuImgStatus('check', filePath('t.qcow2')));
  log(transcript().text, { indent: 2 });
  const machine = new iotests.VM({ paused: true });
  exactly<VM>()(machine);
  return device;
}
