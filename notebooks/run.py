#!/usr/bin/python3
"""Execute the course notebooks headless with Deno's Jupyter kernel.

    npm run notebooks                 execute every notebooks/*.ipynb in place (commit the outputs)
    npm run notebooks -- --check      execute into a temp dir; fail on any cell error; the
                                      committed files are not touched (what CI runs)
    npm run notebooks -- 02-...ipynb  only these notebooks

Why not `jupyter nbconvert --execute`: Deno 2.9.6 sometimes publishes a cell's outputs on
IOPub *after* its `status: idle`, and nbclient stops reading at idle, so outputs go missing
(../shared/reference/peers-and-tooling.md §5.1: 4 of 14 nbconvert runs lost one). This runner
talks to the kernel with jupyter_client and keeps draining IOPub for DRAIN_S after idle
(0 of 120 outputs lost in the measurement there).

The kernelspec is written into a temp JUPYTER_PATH on every run (argv = this checkout's
node_modules deno, NO_COLOR=1 so values are not wrapped in ANSI colour codes), so a fresh
clone needs nothing from ~/.local. Outputs are made reproducible: execution counts are
renumbered 1..n, no execution timestamps, fixed notebook metadata; nbformat writes keys sorted.

Exit status: 0 all notebooks ran; 1 a cell raised (its traceback is printed and, without
--check, saved in the notebook so it can be read); 2 bad arguments or no kernel.
"""
import json
import os
import queue
import shutil
import sys
import tempfile
import time

try:
    import nbformat
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
except ImportError as e:  # pragma: no cover - environment problem
    sys.stderr.write(f"error: {e.name} is missing: apt-get install jupyter-client python3-nbformat (see docs/teaching.md)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DRAIN_S = 0.5        # keep reading IOPub this long after status: idle (see the docstring)
CELL_TIMEOUT_S = 120  # one cell; the simulations here take well under a second
KERNEL = "deno"

# Fixed notebook metadata: what Deno reports, minus volatile fields, so re-runs diff clean.
METADATA = {
    "kernelspec": {"display_name": "Deno", "language": "typescript", "name": KERNEL},
    "language_info": {
        "codemirror_mode": "typescript",
        "file_extension": ".ts",
        "mimetype": "text/x.typescript",
        "name": "typescript",
        "nbconvert_exporter": "script",
        "pygments_lexer": "typescript",
    },
}


def deno_binary():
    for p in (os.path.join(ROOT, "node_modules", "deno", "deno"), os.path.join(ROOT, "node_modules", ".bin", "deno")):
        if os.path.exists(p):
            return p
    found = shutil.which("deno")
    if found:
        return found
    sys.stderr.write("error: no deno binary: expected node_modules/.bin/deno (npm ci installs the `deno` dev dependency)\n")
    sys.exit(2)


def write_kernelspec(jupyter_dir):
    kdir = os.path.join(jupyter_dir, "kernels", KERNEL)
    os.makedirs(kdir)
    spec = {
        "argv": [deno_binary(), "jupyter", "--kernel", "--conn", "{connection_file}"],
        "display_name": "Deno",
        "language": "typescript",
        "env": {"NO_COLOR": "1"},
    }
    with open(os.path.join(kdir, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return kdir


def run_cell(kc, code):
    """Execute one cell; return (outputs, error or None). Drains IOPub DRAIN_S after idle."""
    msg_id = kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=True)
    outputs = []
    error = None
    idle_at = None
    deadline = time.monotonic() + CELL_TIMEOUT_S
    while True:
        now = time.monotonic()
        if idle_at is not None and now - idle_at >= DRAIN_S:
            break
        if now > deadline:
            return outputs, f"timeout: no idle after {CELL_TIMEOUT_S} s"
        wait = DRAIN_S - (now - idle_at) if idle_at is not None else min(1.0, deadline - now)
        try:
            msg = kc.get_iopub_msg(timeout=max(wait, 0.01))
        except queue.Empty:
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        c = msg["content"]
        if t == "status":
            if c.get("execution_state") == "idle":
                idle_at = time.monotonic()
            continue
        if t in ("execute_input", "clear_output", "comm_open", "comm_msg", "comm_close"):
            continue
        if t == "stream" and outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == c["name"]:
            outputs[-1]["text"] += c["text"]  # merge consecutive chunks, as nbclient does
            continue
        if t in ("stream", "display_data", "execute_result", "error"):
            out = nbformat.v4.output_from_msg(msg)
            if t == "execute_result":
                out["execution_count"] = None  # renumbered by the caller
            if "metadata" in out and not out["metadata"]:
                out["metadata"] = {}
            outputs.append(out)
            if t == "error":
                error = f"{c.get('ename')}: {c.get('evalue')}"
    reply = kc.get_shell_msg(timeout=CELL_TIMEOUT_S)
    while reply.get("parent_header", {}).get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=CELL_TIMEOUT_S)
    if reply["content"].get("status") == "error" and error is None:
        error = f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}"
    return outputs, error


def execute(path, out_path):
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=KERNEL)
    env = dict(os.environ, NO_COLOR="1")
    km.start_kernel(cwd=os.path.dirname(os.path.abspath(path)), env=env)
    kc = km.client()
    kc.start_channels()
    failed = None
    try:
        kc.wait_for_ready(timeout=60)
        count = 0
        for i, cell in enumerate(nb.cells):
            cell.metadata.pop("execution", None)
            if cell.cell_type != "code":
                continue
            if failed:  # like nbclient: cells after an error are left unexecuted
                cell.outputs = []
                cell.execution_count = None
                continue
            if not cell.source.strip():
                cell.outputs = []
                cell.execution_count = None
                continue
            count += 1
            outputs, error = run_cell(kc, cell.source)
            cell.execution_count = count
            for o in outputs:
                if o.get("output_type") == "execute_result":
                    o["execution_count"] = count
            cell.outputs = outputs
            if error:
                failed = f"cell {i + 1} (code cell {count}): {error}"
                for o in outputs:
                    if o.get("output_type") == "error":
                        sys.stderr.write("\n".join(o.get("traceback", [])) + "\n")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    nb.metadata.update(json.loads(json.dumps(METADATA)))
    nbformat.validate(nb)
    nbformat.write(nb, out_path)
    return failed


def main(argv):
    check = "--check" in argv
    names = [a for a in argv if a != "--check"]
    bad = [a for a in names if a.startswith("-")]
    if bad:
        sys.stderr.write(f"error: unknown option {bad[0]} (allowed: --check, notebook paths)\n")
        return 2
    if names:
        paths = [n if os.path.exists(n) else os.path.join(HERE, n) for n in names]
        missing = [n for n, p in zip(names, paths) if not os.path.exists(p)]
        if missing:
            sys.stderr.write(f"error: no notebook {missing[0]} (in notebooks/: {', '.join(sorted(f for f in os.listdir(HERE) if f.endswith('.ipynb')))})\n")
            return 2
    else:
        paths = sorted(os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".ipynb"))
    tmp = tempfile.mkdtemp(prefix="kal-notebooks-")
    try:
        os.environ["JUPYTER_PATH"] = tmp
        write_kernelspec(tmp)
        KernelSpecManager().get_kernel_spec(KERNEL)  # fails loudly if the spec is unusable
        failures = []
        for p in paths:
            name = os.path.basename(p)
            out = os.path.join(tmp, name) if check else p
            t0 = time.monotonic()
            failed = execute(p, out)
            dt = time.monotonic() - t0
            if failed:
                failures.append(f"{name}: {failed}")
                print(f"FAIL {name} ({dt:.1f} s): {failed}", flush=True)
                continue
            note = ""
            if check and not same_outputs(p, out):
                note = " (committed outputs differ from this run: run `npm run notebooks` and commit)"
            print(f"ok   {name} ({dt:.1f} s){note}", flush=True)
        if failures:
            sys.stderr.write(f"{len(failures)} of {len(paths)} notebook(s) failed\n")
            return 1
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def same_outputs(a, b):
    """Compare the code cells' outputs of two notebook files (a warning only: see docs/teaching.md)."""
    def outs(p):
        nb = nbformat.read(p, as_version=4)
        return [c.get("outputs") for c in nb.cells if c.cell_type == "code"]
    return outs(a) == outs(b)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
