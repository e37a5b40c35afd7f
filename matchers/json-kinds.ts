// Small predicates over JSON-like values, shared by the receiver checks, and the package's one
// value describer, which the QMP path walker in src/iotests words its miss reasons with too.
export { describeValue } from '../src/common/describe-value';
export { isJsonObject } from '../src/qmp/json';
export { hasOwnKey } from '../src/iotests/qmp-path';
