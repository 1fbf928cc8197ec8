"""One process that runs several simulated participants of an experiment, one session after another.

``python -m psyai.participants.batch SCRIPT ARGV_JSON`` loads ``SCRIPT`` (an ``experiments/<name>.py``) once
and calls its ``main(argv)`` for each argument list in the JSON file, exactly as ``python SCRIPT ARGV…``
would: ``sys.argv`` is set to what that command's would be (the session header records it), the script's
``main`` runs under :func:`psyai.booth.runner.main_guard`, and each session opens and closes its own window,
log and lock. What is shared is the interpreter: PsychoPy, pyglet and the fonts are imported and loaded once
instead of once per participant (about 3 s of CPU each on a 2-core machine). The cohort
(:mod:`psyai.participants.cohort`) checks that a participant's data are the same either way.

Between sessions it prints a marker line (``MARK start i`` / ``MARK exit i CODE``) that the cohort reads to
follow progress; after a session that does not exit 0 it stops with that session's exit code.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

MARK = "@@psyai-batch"


def load_script(path: Path):
    """The experiment script as a module (its ``if __name__ == "__main__"`` block does not run)."""
    spec = importlib.util.spec_from_file_location(f"psyai_batch_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as for any imported module (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m psyai.participants.batch SCRIPT ARGV_JSON", file=sys.stderr)
        return 2
    script = Path(args[0]).resolve()
    runs = json.loads(Path(args[1]).read_text(encoding="utf-8"))
    from psyai.booth import runner

    module = load_script(script)
    for index, run_argv in runs:
        print(f"{MARK} start {index}", flush=True)
        sys.argv = [str(script), *run_argv]
        code = runner.main_guard(lambda: module.main(list(run_argv)))
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"{MARK} exit {index} {code}", flush=True)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
