"""The function-mode harness for Python.

It calls the candidate's entrypoint with the JSON array of arguments read from stdin and writes
the return value as one line of JSON on stdout. Whatever the candidate prints goes to stderr,
so that it cannot be taken for the result. The language layer fills in ENTRYPOINT and SOLUTION;
the code keeps to Python 3.8, the version of Judge0's default Python.
"""

import json
import os
import sys
import types

ENTRYPOINT = "__ENTRYPOINT__"
SOLUTION = "__SOLUTION__"


def _fail(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    os._exit(1)


def _report(exc, solution_path):
    # Only the candidate's frames: the harness's and importlib's are noise to them.
    import traceback  # only now: importing it costs every test a few milliseconds

    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != solution_path:
        tb = tb.tb_next
    sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))
    sys.stderr.flush()
    os._exit(1)


def _entrypoint(module):
    fn = getattr(module, ENTRYPOINT, None)
    if callable(fn):
        return fn
    # LeetCode style: a method of class Solution.
    cls = getattr(module, "Solution", None)
    if isinstance(cls, type) and callable(getattr(cls, ENTRYPOINT, None)):
        return getattr(cls(), ENTRYPOINT)
    return None


def _plain(value):
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    raise TypeError("a %s has no JSON form" % type(value).__name__)


def main():
    data = sys.stdin.buffer.read()
    try:
        args = json.loads(data) if data.strip() else []
    except ValueError as exc:
        _fail("interviewlm: the test's input is not JSON: %s" % exc)
    if not isinstance(args, list):
        _fail("interviewlm: the test's input is not a JSON array of arguments")

    result_fd = os.dup(1)
    sys.stdout.flush()
    os.dup2(2, 1)

    solution_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), SOLUTION)
    # Loaded as a module named solution, so that its `if __name__ == "__main__":` block does
    # not run; by hand rather than through importlib.util, which costs every test its import.
    module = types.ModuleType("solution")
    module.__file__ = solution_path
    sys.modules["solution"] = module
    try:
        with open(solution_path, "rb") as f:
            code = compile(f.read(), solution_path, "exec")
        exec(code, module.__dict__)
    except Exception as exc:
        _report(exc, solution_path)

    fn = _entrypoint(module)
    if fn is None:
        _fail("interviewlm: the solution defines no function %s" % ENTRYPOINT)
    try:
        result = fn(*args)
    except Exception as exc:
        _report(exc, solution_path)
    try:
        out = json.dumps(result, default=_plain, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        _fail("interviewlm: %s returned a value with no JSON form: %s" % (ENTRYPOINT, exc))

    sys.stdout.flush()
    sys.stderr.flush()
    buf = (out + "\n").encode("utf-8")
    while buf:
        buf = buf[os.write(result_fd, buf):]
    os._exit(0)


main()
