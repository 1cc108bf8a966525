// The function-mode harness for JavaScript and TypeScript.
//
// It calls the candidate's entrypoint with the JSON array of arguments read from stdin and
// writes the return value as one line of JSON on stdout. Whatever the candidate prints goes to
// stderr, so that it cannot be taken for the result. The language layer fills in the
// entrypoint's name and the solution's file, and appends to the solution a line that leaves
// its top-level entrypoint and Solution class in globalThis.__interviewlm (a function declared
// in a CommonJS module is not exported by itself). With no solution file, the solution ran
// before this code, in the same file. The code keeps to Node 12, Judge0's default.
"use strict";
(function () {
  var entryName = "__ENTRYPOINT__";
  var solutionFile = "__SOLUTION__";
  var fs = require("fs");

  function fail(message) {
    process.stderr.write(message + "\n");
    process.exit(1);
  }

  function report(err) {
    var text;
    if (err instanceof Error && typeof err.stack === "string") {
      // Only the candidate's frames: the harness's and Node's own are noise to them.
      text = err.stack
        .split("\n")
        .filter(function (line) {
          return !/interviewlm_harness|\(node:internal|^\s+at node:/.test(line);
        })
        .join("\n");
    } else {
      var shown;
      try {
        shown = JSON.stringify(err);
      } catch (e) {
        shown = undefined;
      }
      text = "Uncaught " + (shown === undefined ? String(err) : shown);
    }
    fail(text);
  }

  function readStdin() {
    try {
      return fs.readFileSync(0, "utf8");
    } catch (err) {
      // A non-blocking stdin answers EAGAIN; a fresh open of it blocks.
      return fs.readFileSync("/dev/stdin", "utf8");
    }
  }

  function writeResult(text) {
    // Node makes a piped fd 1 non-blocking once process.stdout exists: a large result may
    // meet a full pipe (EAGAIN) and must wait for the reader.
    var buf = Buffer.from(text, "utf8");
    var off = 0;
    var pause = new Int32Array(new SharedArrayBuffer(4));
    while (off < buf.length) {
      try {
        off += fs.writeSync(1, buf, off, buf.length - off);
      } catch (err) {
        if (err.code !== "EAGAIN") throw err;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
  }

  function plain(key, value) {
    if (value instanceof Set) return Array.from(value);
    if (value instanceof Map) {
      var obj = {};
      value.forEach(function (v, k) {
        obj[String(k)] = v;
      });
      return obj;
    }
    if (typeof value === "bigint") {
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    }
    return value;
  }

  var input = readStdin();
  var args;
  try {
    args = input.trim() === "" ? [] : JSON.parse(input);
  } catch (err) {
    fail("interviewlm: the test's input is not JSON: " + err.message);
  }
  if (!Array.isArray(args)) fail("interviewlm: the test's input is not a JSON array of arguments");

  var toStderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = toStderr;

  var exported;
  if (solutionFile !== "") {
    try {
      exported = require("./" + solutionFile);
    } catch (err) {
      report(err);
    }
  }
  var captured = globalThis.__interviewlm || {};

  var fn;
  if (typeof captured.entry === "function") {
    fn = captured.entry;
  } else if (exported && typeof exported[entryName] === "function") {
    fn = exported[entryName].bind(exported);
  } else {
    // LeetCode style: a method of class Solution.
    var Solution = captured.Solution || (exported && exported.Solution);
    if (typeof Solution === "function" && Solution.prototype && typeof Solution.prototype[entryName] === "function") {
      var instance = new Solution();
      fn = instance[entryName].bind(instance);
    }
  }
  if (typeof fn !== "function") fail("interviewlm: the solution defines no function " + entryName);

  Promise.resolve()
    .then(function () {
      return fn.apply(undefined, args);
    })
    .then(function (result) {
      var text;
      try {
        text = JSON.stringify(result, plain);
      } catch (err) {
        fail("interviewlm: " + entryName + " returned a value with no JSON form: " + err.message);
      }
      writeResult((text === undefined ? "null" : text) + "\n");
      process.exit(0);
    }, report);
})();
