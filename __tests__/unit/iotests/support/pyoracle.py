#!/usr/bin/env python3
"""Test oracle: Python itself, doing what QEMU's iotests.py does, on inputs sent by the Jest tests.

Reads one JSON request on stdin, {"cases": [...]}, and prints {"results": [...]}, one result per
case: {"ok": <value>} or {"error": "<Type>: <message>"}. Values cross the pipe in a tagged form so
Python's types survive: {"$int": "123"}, {"$float": "<IEEE-754 bits, hex>"},
{"$dict": [[key, value], ...]}, {"$ordered": [[key, value], ...]} (an OrderedDict); strings,
lists, booleans and null are plain JSON.

The filter functions below transcribe iotests.py's filter_* (same `re` / `str` calls), with the
module globals test_dir / sock_dir / imgfmt / os.getpid() taken from each case's "ctx". A case
with "iotests": "7.2" runs QEMU 7.2's versions where they differ from the seed's (class Qemu72),
"10.0" QEMU 10.0's on top of those (class Qemu100).
"""

import io
import json
import logging
import os
import re
import struct
import sys
from collections import OrderedDict


# --- tagged values -------------------------------------------------------------------------

def decode(value):
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        (tag, payload), = value.items()
        if tag == '$int':
            return int(payload)
        if tag == '$float':
            return struct.unpack('>d', bytes.fromhex(payload))[0]
        if tag == '$dict':
            return dict((key, decode(item)) for key, item in payload)
        if tag == '$ordered':
            return OrderedDict((key, decode(item)) for key, item in payload)
        raise ValueError('unknown tag %r' % tag)
    return value


def encode(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {'$int': str(value)}
    if isinstance(value, float):
        return {'$float': struct.pack('>d', value).hex()}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, OrderedDict):
        return {'$ordered': [[key, encode(item)] for key, item in value.items()]}
    if isinstance(value, dict):
        return {'$dict': [[key, encode(item)] for key, item in value.items()]}
    raise TypeError('cannot encode %r' % (value,))


# --- iotests.py, transcribed (test oracle, not shipped code) --------------------------------

class Seed:
    def __init__(self, ctx):
        self.test_dir = ctx['testDir']
        self.sock_dir = ctx['sockDir']
        self.imgfmt = ctx['imgfmt']
        self.file_prefix = ctx['filePrefix']  # the seed's "%s-" % os.getpid()
        self.test_dir_re = re.compile(r"%s" % self.test_dir)
        self.test_logger = logging.getLogger('oracle.diff_io.%d' % id(self))
        self.stream = io.StringIO()
        handler = logging.StreamHandler(stream=self.stream)
        handler.setFormatter(logging.Formatter('%(message)s'))
        self.test_logger.addHandler(handler)
        self.test_logger.setLevel(logging.INFO)
        self.test_logger.propagate = False

    def filter_test_dir(self, msg):
        return self.test_dir_re.sub("TEST_DIR", msg)

    win32_re = re.compile(r"\r")

    def filter_win32(self, msg):
        return self.win32_re.sub("", msg)

    qemu_io_re = re.compile(r"[0-9]* ops; [0-9\/:. sec]* "
                            r"\([0-9\/.inf]* [EPTGMKiBbytes]*\/sec "
                            r"and [0-9\/.inf]* ops\/sec\)")

    def filter_qemu_io(self, msg):
        msg = self.filter_win32(msg)
        return self.qemu_io_re.sub("X ops; XX:XX:XX.X "
                                   "(XXX YYY/sec and XXX ops/sec)", msg)

    chown_re = re.compile(r"chown [0-9]+:[0-9]+")

    def filter_chown(self, msg):
        return self.chown_re.sub("chown UID:GID", msg)

    def filter_qmp_event(self, event):
        event = dict(event)
        if 'timestamp' in event:
            event['timestamp']['seconds'] = 'SECS'
            event['timestamp']['microseconds'] = 'USECS'
        return event

    def filter_qmp(self, qmsg, filter_fn):
        if isinstance(qmsg, list):
            items = enumerate(qmsg)
        else:
            items = qmsg.items()
        for k, v in items:
            if isinstance(v, (dict, list)):
                qmsg[k] = self.filter_qmp(v, filter_fn)
            else:
                qmsg[k] = filter_fn(k, v)
        return qmsg

    def filter_testfiles(self, msg):
        pref1 = os.path.join(self.test_dir, self.file_prefix)
        pref2 = os.path.join(self.sock_dir, self.file_prefix)
        return msg.replace(pref1, 'TEST_DIR/PID-').replace(pref2, 'SOCK_DIR/PID-')

    def filter_qmp_testfiles(self, qmsg):
        def _filter(_key, value):
            if isinstance(value, str):
                return self.filter_testfiles(value)
            return value
        return self.filter_qmp(qmsg, _filter)

    def filter_virtio_scsi(self, output):
        return re.sub(r'(virtio-scsi)-(ccw|pci)', r'\1', output)

    def filter_qmp_virtio_scsi(self, qmsg):
        def _filter(_key, value):
            if isinstance(value, str):
                return self.filter_virtio_scsi(value)
            return value
        return self.filter_qmp(qmsg, _filter)

    def filter_generated_node_ids(self, msg):
        return re.sub("#block[0-9]+", "NODE_NAME", msg)

    def filter_img_info(self, output, filename):
        lines = []
        for line in output.split('\n'):
            if 'disk size' in line or 'actual-size' in line:
                continue
            line = line.replace(filename, 'TEST_IMG')
            line = self.filter_testfiles(line)
            line = line.replace(self.imgfmt, 'IMGFMT')
            line = re.sub('iters: [0-9]+', 'iters: XXX', line)
            line = re.sub('uuid: [-a-f0-9]+',
                          'uuid: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX',
                          line)
            line = re.sub('cid: [0-9]+', 'cid: XXXXXXXXXX', line)
            line = re.sub('(compression type: )(zlib|zstd)', r'\1COMPRESSION_TYPE',
                          line)
            lines.append(line)
        return '\n'.join(lines)

    def filter_imgfmt(self, msg):
        return msg.replace(self.imgfmt, 'IMGFMT')

    def filter_qmp_imgfmt(self, qmsg):
        def _filter(_key, value):
            if isinstance(value, str):
                return self.filter_imgfmt(value)
            return value
        return self.filter_qmp(qmsg, _filter)

    def filter_nbd_exports(self, output):
        return re.sub(r'((min|opt|max) block): [0-9]+', r'\1: XXX', output)

    def ordered_qmp(self, qmsg, conv_keys=True):
        if isinstance(qmsg, list):
            return [self.ordered_qmp(atom) for atom in qmsg]
        if isinstance(qmsg, dict):
            od = OrderedDict()
            for k, v in sorted(qmsg.items()):
                if conv_keys:
                    k = k.replace('_', '-')
                od[k] = self.ordered_qmp(v, conv_keys=False)
            return od
        return qmsg

    def log(self, msg, filters=(), indent=None):
        for flt in filters:
            msg = flt(msg)
        if isinstance(msg, (dict, list)):
            do_sort = not isinstance(msg, OrderedDict)
            self.test_logger.info(json.dumps(msg, sort_keys=do_sort, indent=indent))
        else:
            self.test_logger.info(msg)

    def qmp_log_message(self, cmd, kwargs, filters=(), indent=None):
        # The first half of VM.qmp_log: log the command as sent (kwargs as a dict, so that keys
        # like 'filters' or 'node-name' can be tested too).
        full_cmd = OrderedDict((
            ("execute", cmd),
            ("arguments", self.ordered_qmp(kwargs))
        ))
        self.log(full_cmd, filters, indent=indent)

    def logged(self):
        return self.stream.getvalue()


class Qemu72(Seed):
    """What QEMU 7.2's iotests.py changed or added among the filters (the Jest filters follow it):
    filter_qmp hands a value that is neither list nor dict to filter_fn whole, with the key None,
    and filter_qmp_generated_node_ids exists. The rest is the seed's."""

    def filter_qmp(self, qmsg, filter_fn):
        if isinstance(qmsg, (list, dict)):
            return super().filter_qmp(qmsg, filter_fn)
        return filter_fn(None, qmsg)

    def filter_qmp_generated_node_ids(self, qmsg):
        def _filter(_key, value):
            if isinstance(value, str):
                return self.filter_generated_node_ids(value)
            return value
        return self.filter_qmp(qmsg, _filter)


class Qemu100(Qemu72):
    """QEMU 10.0's iotests.py on top of 7.2's: filter_img_info can leave out qemu-img's child node
    sections (and does by default), and filter_qtest exists."""

    def filter_img_info(self, output, filename, drop_child_info=True):
        kept = []
        skipping = False
        for line in output.split('\n'):
            if 'disk size' in line or 'actual-size' in line:
                kept.append(line)
                continue
            if skipping and line.startswith(' '):
                continue
            skipping = drop_child_info and "Child node '/" in line
            if not skipping:
                kept.append(line)
        return super().filter_img_info('\n'.join(kept), filename)

    def filter_qtest(self, output):
        output = re.sub(r'^\[I \d+\.\d+\] OPENED\n', '', output)
        return re.sub(r'\n?\[I \+\d+\.\d+\] CLOSED\n?$', '', output)


ORACLES = {'seed': Seed, '7.2': Qemu72, '10.0': Qemu100}


# --- the requests ---------------------------------------------------------------------------

def tag_values(_key, value):
    """The (key, value) function the tests give filter_qmp: marks strings with their key."""
    if isinstance(value, str):
        return '%s@%s' % (value.upper(), _key)
    return value


FILTERS = {
    'testDir': 'filter_test_dir', 'win32': 'filter_win32', 'qemuIo': 'filter_qemu_io',
    'chown': 'filter_chown', 'qmpEvent': 'filter_qmp_event', 'testfiles': 'filter_testfiles',
    'qmpTestfiles': 'filter_qmp_testfiles', 'virtioScsi': 'filter_virtio_scsi',
    'qmpVirtioScsi': 'filter_qmp_virtio_scsi', 'generatedNodeIds': 'filter_generated_node_ids',
    'imgInfo': 'filter_img_info', 'imgfmt': 'filter_imgfmt', 'qmpImgfmt': 'filter_qmp_imgfmt',
    'nbdExports': 'filter_nbd_exports', 'qmpGeneratedNodeIds': 'filter_qmp_generated_node_ids',
    'qtest': 'filter_qtest',
}


def named_filter(seed, name):
    if name == 'qmp:tagValues':
        return lambda qmsg: seed.filter_qmp(qmsg, tag_values)
    return getattr(seed, FILTERS[name])


DEFAULT_CTX = {'testDir': '/tmp/t', 'sockDir': '/tmp/s', 'imgfmt': 'raw', 'filePrefix': '1-'}


def run(case):
    seed = ORACLES[case.get('iotests', 'seed')](case.get('ctx', DEFAULT_CTX))
    op = case['op']
    if op == 'dumps':
        return json.dumps(decode(case['value']), sort_keys=case['sortKeys'],
                          indent=case['indent'])
    if op == 'filter':
        args = [decode(arg) for arg in case['args']]
        return encode(named_filter(seed, case['name'])(*args))
    if op == 'orderedQmp':
        return encode(seed.ordered_qmp(decode(case['value']), conv_keys=case['convKeys']))
    if op == 'log':
        for message in case['messages']:
            seed.log(decode(message['msg']),
                     [named_filter(seed, name) for name in message.get('filters', [])],
                     indent=message.get('indent'))
        return seed.logged()
    if op == 'qmpLogMessage':
        seed.qmp_log_message(case['cmd'], decode(case['args']),
                             [named_filter(seed, name) for name in case.get('filters', [])],
                             indent=case.get('indent'))
        return seed.logged()
    raise ValueError('unknown op %r' % op)


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request['cases']:
        try:
            results.append({'ok': run(case)})
        except Exception as error:  # reported per case, the test decides
            results.append({'error': '%s: %s' % (type(error).__name__, error)})
    json.dump({'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
