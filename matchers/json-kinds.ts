// Small predicates over JSON-like values, shared by the receiver checks. They live beside the QMP
// path walker in src/iotests, whose miss reasons use the same wording.
export { describeJsonKind, hasOwnKey, isJsonObject } from '../src/iotests/qmp-path';
