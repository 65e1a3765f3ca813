"""Runs inside checkov's own virtualenv (never imported by opsgraph): imports checkov once, then
answers one JSON request per stdin line with one JSON line, so each scan costs ~0.5 s instead of
the ~3 s import of a fresh `checkov` process. Each scan runs in a forked child: checkov keeps
module-level state between runs (results of one scan leak into the next in the same process).

Request: {"dir": PATH, "files": [relative paths], "frameworks": [...], "skip": [...]}; files are
passed with -f from inside PATH (checkov's -d silently skips any path under a dot-directory, such
as ~/.local/state). Reply: {"ok": true, "reports": [...]}
(checkov's own JSON report per framework) or {"ok": false, "error": TEXT}.
"""

import contextlib
import json
import os
import sys
import tempfile

os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")  # no download of guidelines from the vendor API
os.environ.setdefault("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever checkov prints goes to stderr, never into the protocol
    from checkov.main import Checkov

    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            with tempfile.TemporaryDirectory() as out:
                argv = [arg for rel in request["files"] for arg in ("-f", rel)]
                argv += [
                    "--framework",
                    *request["frameworks"],
                    "-o",
                    "json",
                    "--output-file-path",
                    out,
                    "--compact",
                    "--skip-download",
                    "--soft-fail",
                ]
                if request.get("skip"):
                    argv += ["--skip-check", ",".join(request["skip"])]
                child = os.fork()
                if child == 0:
                    code = 0
                    os.chdir(request["dir"])
                    try:
                        with contextlib.suppress(SystemExit):
                            Checkov(argv).run()
                    except BaseException:
                        code = 1
                    os._exit(code)
                _, status = os.waitpid(child, 0)
                path = os.path.join(out, "results_json.json")
                if not os.path.exists(path):
                    raise RuntimeError(f"checkov wrote no report (exit status {status})")
                with open(path) as handle:
                    reports = json.load(handle)
            reply = {"ok": True, "reports": reports if isinstance(reports, list) else [reports]}
        except Exception as exc:  # the worker must survive any one bad scan
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(reply) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
