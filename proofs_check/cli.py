"""The ``proofs-check`` command line.

    proofs-check list [--json]
    proofs-check run [ID-or-prefix ...] [--json] [--tier fast|full] [--seed N] [--dps N]
                     [--claims FILE.py] [--only-user] [--timings] [-o FILE]
    proofs-check search ID [--budget SECONDS] [--seed N] [--claims FILE.py]
    proofs-check domains [ID-or-prefix ...] [--tier fast|full] [--seed N] [--claims FILE.py]
    proofs-check derive ID [--format latex|markdown] [-o FILE]
    proofs-check reproduce ID [-o DIR] [--style paper|slides]

Exit status: 0 every selected claim verified and every mutant refuted; 1 a claim refuted,
a mutant survived or a claim could not be decided; 2 usage or input error (one line, no
traceback); 130 interrupted (files being written are left as they were).
"""

import argparse
import collections
import json
import os
import sys
import time

from theory.derivation import DerivationError
from theory.errors import ProofsCheckError

from . import registry
from ._io import atomic_write_text, check_writable, make_unique_dir

__all__ = ["main"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPT = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own convention too)
        raise _Usage(f"{self.prog}: {message}")


class _Usage(Exception):
    pass


def _build_parser():
    p = _Parser(prog="proofs-check",
                description="Verify theorems about self-distillation: claims, mutants, "
                            "high-precision oracles.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    pl = sub.add_parser("list", help="list the claims")
    pl.add_argument("--json", action="store_true", help="machine-readable output")
    pl.add_argument("--claims", metavar="FILE.py", help="also list the claims of a user file")

    pr = sub.add_parser("run", help="check claims and refute their mutants")
    pr.add_argument("ids", nargs="*", metavar="ID", help="claim ids or prefixes (default: all)")
    pr.add_argument("--json", action="store_true", help="print one JSON document")
    pr.add_argument("--tier", choices=("fast", "full"), default="fast",
                    help="fast: dozens of instances per claim (default); full: thousands")
    pr.add_argument("--seed", type=int, default=0, help="seed of the instance generators")
    pr.add_argument("--dps", type=int, default=50, help="digits of the mp engine (default 50)")
    pr.add_argument("--claims", metavar="FILE.py",
                    help="a Python file defining CLAIMS (its code is executed: trust it)")
    pr.add_argument("--only-user", action="store_true",
                    help="with --claims: check only the file's claims")
    pr.add_argument("--timings", action="store_true",
                    help="add wall times to --json output (a 'meta' field)")
    pr.add_argument("-o", "--output", metavar="FILE", help="also write the JSON report here")
    pr.add_argument("--certified", action="store_true",
                    help="prove each inequality on each instance with interval arithmetic "
                         "(python-flint balls; docs/certified.md)")
    pr.add_argument("--html", metavar="DIR",
                    help="also write an HTML report into DIR (index.html; needs the html extra)")
    pr.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                    help="progress on stderr: a bar on a terminal, periodic lines on a pipe "
                         "(auto: both; never: none)")
    pr.add_argument("--workers", type=int, default=None, metavar="N",
                    help="local worker processes (default: the number of cores)")
    pr.add_argument("--executor", choices=("process", "serial", "dask"), default="process",
                    help="process: a local pool (default); dask: an existing Dask cluster "
                         "(--scheduler); serial: this process only")
    pr.add_argument("--scheduler", metavar="ADDRESS",
                    help="with --executor dask: the scheduler, e.g. tcp://10.0.0.1:8786")
    pr.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                    help="instances not started within this many seconds are undecided "
                         "(default: 1800 for fast, 3600 for full)")
    pr.add_argument("--cache-dir", metavar="DIR",
                    help="on-disk cache of instance results, for resuming (default: "
                         "$PROOFS_CHECK_CACHE or ~/.cache/proofs-check)")
    pr.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    pr.add_argument("--search-examples", type=int, default=None, metavar="N",
                    help="counterexample-search examples per claim after its fixed domain "
                         "(default 10; 0: the fixed domain only)")

    ps = sub.add_parser("search", help="search for a counterexample to a claim (Hypothesis)")
    ps.add_argument("id", help="claim id")
    ps.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                    help="time for the search (default 30; shrinking and the mp "
                         "confirmation come on top)")
    ps.add_argument("--seed", type=int, default=0, help="seed of the search and the domain")
    ps.add_argument("--dps", type=int, default=50, help="digits of the mp engine (default 50)")
    ps.add_argument("--tier", choices=("fast", "full"), default="fast",
                    help="the fixed domain whose ranges the search stays inside")
    ps.add_argument("--claims", metavar="FILE.py",
                    help="a Python file defining CLAIMS (its code is executed: trust it)")

    pm = sub.add_parser("domains", help="list the instance families of claims' domains")
    pm.add_argument("ids", nargs="*", metavar="ID", help="claim ids or prefixes (default: all)")
    pm.add_argument("--tier", choices=("fast", "full"), default="fast")
    pm.add_argument("--seed", type=int, default=0)
    pm.add_argument("--claims", metavar="FILE.py",
                    help="a Python file defining CLAIMS (its code is executed: trust it)")

    pd = sub.add_parser("derive", help="print a machine-checked derivation")
    pd.add_argument("id", help="derivation id (see 'proofs-check derive --list')", nargs="?")
    pd.add_argument("--list", action="store_true", help="list the derivations")
    pd.add_argument("--format", choices=("latex", "markdown"), default="latex")
    pd.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    pd.add_argument("--fragment", action="store_true",
                    help="LaTeX body only (no preamble, labels <id>:step<n>), to \\input into a "
                         "paper")
    pd.add_argument("--verbose", action="store_true",
                    help="print each step's full check description and source")

    pp = sub.add_parser("reproduce", help="reproduce a paper figure (needs the plot extra)")
    pp.add_argument("id", nargs="?", help="reproduction id")
    pp.add_argument("--list", action="store_true", help="list the reproductions")
    pp.add_argument("-o", "--output", metavar="DIR",
                    help="output directory (default: a new ./reproductions/<id>-N)")
    from .reproduce import STYLES
    pp.add_argument("--style", choices=tuple(STYLES), default="paper",
                    help="figure size and text: paper (default; 6.75 in wide, 8-9 pt, "
                         "TrueType fonts in the PDF) or slides (10 in wide, 12-14 pt)")
    return p


def _claims_for(args, with_user_ids=False):
    claims, user = registry.catalogue(), []
    if getattr(args, "claims", None) is not None:
        user = registry.load_claims_file(args.claims)
        claims = user if getattr(args, "only_user", False) else claims + user
        registry.check_unique(claims, f"the catalogue and {args.claims}")
    return (claims, {c.id for c in user}) if with_user_ids else claims


def _paper_of(claim):
    pid = claim.id.split(".", 1)[0]
    return next((p for p in registry.papers() if p.id == pid), None)


def _cmd_list(args, out):
    claims = _claims_for(args)
    if args.json:
        doc = {"schema": "proofs-check/list/1",
               "papers": [{"id": p.id, "citation": p.citation, "arxiv": p.arxiv,
                           "contains": p.contains, "docs": p.docs,
                           "distribution": p.distribution} for p in registry.papers()],
               "claims": [{"id": c.id, "paper": c.paper, "where": c.where,
                           "provenance": c.provenance, "summary": c.summary,
                           "engine": c.engine.name, "expected": c.expected,
                           "mutants": [m.id for m in c.mutants]} for c in claims]}
        out.write(json.dumps(doc, indent=2) + "\n")
        return EXIT_OK
    for p in registry.papers():
        n = sum(1 for c in claims if c.id.startswith(p.id + "."))
        src = "" if p.distribution == "proofs-check" else f"  [from {p.distribution}]"
        out.write(f"{p.id}: {p.citation}; {n} claims{src}\n")
    out.write("\n")
    w = max(len(c.id) for c in claims)
    for c in claims:
        out.write(f"{c.id.ljust(w)}  {c.paper}  {c.provenance:<10}  {c.summary}\n")
    out.write(f"\n{len(claims)} claims\n")
    return EXIT_OK


class _Progress:
    """Progress on stderr: a tqdm bar on a terminal (with ETA, rate and the current claim),
    plain lines every ``PERIOD`` seconds on a pipe.

    The ETA is by estimated work, not by instance count (instances run cheapest first, so
    the last ones cost the most: on a full tier the count's ETA said 40 s with over 30 minutes
    to go): the runner's estimated seconds of work left (:meth:`work`) at the rate of work
    done over the last ``WINDOW`` seconds.  A recent rate, because the estimates are
    biased differently by kind of work (the float64 pass runs claims' own oracles that its
    estimate leaves out; the mp estimate dates from before the MPFR loop): the whole run's
    average rate put the ETA of a full tier at 6,000 s with about half an hour to go."""

    PERIOD = 10.0
    WINDOW = 300.0

    def __init__(self, mode):
        self.tty = sys.stderr.isatty()
        self.on = mode == "always" or (mode == "auto")
        self.bar, self.last, self.t0 = None, 0.0, time.perf_counter()
        self.work_done = self.work_total = None
        self.samples = collections.deque([(self.t0, 0.0)])  # (time, work done)

    def work(self, done, total, now=None):
        """The runner's estimated seconds of work done and in all (the total grows as the
        float64 pass finds mp re-checks)."""
        now = time.perf_counter() if now is None else now
        self.work_done, self.work_total = done, total
        self.samples.append((now, done))
        while len(self.samples) > 2 and self.samples[0][0] < now - self.WINDOW:
            self.samples.popleft()

    def eta(self, done, total, now):
        if self.work_done:
            (t_a, w_a), (t_b, w_b) = self.samples[0], self.samples[-1]
            rate = (w_b - w_a) / max(t_b - t_a, 1e-9)
            left = max(0.0, self.work_total - self.work_done)
            return left / rate if rate > 0 else float("inf")
        elapsed = now - self.t0
        return elapsed * (total - done) / done if done else float("inf")

    def __call__(self, done, total, cid):
        if not self.on:
            return
        now = time.perf_counter()
        if self.tty:
            if self.bar is None:
                try:
                    from tqdm import tqdm
                    # tqdm's own remaining time counts instances: ours replaces it
                    self.bar = tqdm(total=total, unit="inst", file=sys.stderr, leave=False,
                                    dynamic_ncols=True, bar_format="{l_bar}{bar}| {n_fmt}/"
                                    "{total_fmt} [{elapsed}, {rate_fmt}{postfix}]")
                except ImportError:
                    self.bar = False
            if self.bar:
                self.bar.set_postfix_str(f"ETA {self.eta(done, total, now):.0f} s, {cid}",
                                         refresh=False)
                self.bar.update(done - self.bar.n)
                return
        if now - self.last >= self.PERIOD or (self.tty and now - self.last >= 0.5):
            self.last = now
            rate = done / max(now - self.t0, 1e-9)
            sys.stderr.write(f"proofs-check: {done}/{total} instances, {rate:.1f}/s, "
                             f"ETA {self.eta(done, total, now):.0f} s; last: {cid}\n")
            sys.stderr.flush()

    def close(self):
        if self.bar:
            self.bar.close()


def _cmd_run(args, out):
    if args.certified:
        from .certify import cli_certified
        return cli_certified(args.ids, args.tier, args.seed, out, args.output,
                             as_json=args.json, claims=_claims_for(args))
    from .cache import default_cache_dir
    from .decision import check_dps
    from .report import render_table, to_json
    from .runner import DEFAULT_BUDGET, ClaimRef, run_claims
    check_dps(args.dps)
    if args.seed < 0:
        raise ProofsCheckError(f"--seed {args.seed}: seeds are integers >= 0")
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    if workers < 1:
        raise ProofsCheckError(f"--workers {workers}: need at least 1")
    if args.executor == "dask" and not args.scheduler:
        raise ProofsCheckError("--executor dask needs --scheduler ADDRESS (a running Dask "
                               "scheduler, e.g. tcp://127.0.0.1:8786)")
    budget = DEFAULT_BUDGET[args.tier] if args.budget is None else args.budget
    if not budget > 0:
        raise ProofsCheckError(f"--budget {args.budget}: give a positive number of seconds")
    everything, user = _claims_for(args, with_user_ids=True)
    claims = registry.select(args.ids, everything)
    if args.output is not None:
        check_writable(args.output)
    if args.html is not None:
        from .html_report import check_html_output
        check_html_output(args.html)
    refs = [ClaimRef(c.id, os.path.abspath(args.claims) if c.id in user else None)
            for c in claims]
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    progress = _Progress(args.progress if args.progress != "auto" or sys.stderr.isatty()
                         else "auto")
    if args.progress == "never":
        progress.on = False
    from .search import DEFAULT_RUN_EXAMPLES
    search = DEFAULT_RUN_EXAMPLES if args.search_examples is None else args.search_examples
    if search < 0:
        raise ProofsCheckError(f"--search-examples {search}: give 0 or more examples")
    t0 = time.perf_counter()
    try:
        results = run_claims(claims, refs, args.tier, args.seed, args.dps, workers=workers,
                             executor=args.executor, scheduler=args.scheduler,
                             cache_dir=cache_dir, budget=budget, progress=progress,
                             search=search)
    finally:
        progress.close()
    seconds = time.perf_counter() - t0
    run = {"tier": args.tier, "seed": args.seed, "dps": args.dps,
           "selected": [c.id for c in claims]}
    meta = ({"seconds": round(seconds, 3), "workers": workers, "executor": args.executor}
            if args.timings else None)
    doc = to_json(claims, results, run, meta)
    if args.output is not None:
        atomic_write_text(args.output, doc)
    if args.html is not None:
        from .html_report import write_html_report
        write_html_report(args.html, claims, results, run)
    out.write(doc if args.json else render_table(results, seconds))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAIL


def _cmd_search(args, out):
    from .decision import check_dps
    from .search import DEFAULT_BUDGET_SECONDS, render_search, search_claim
    check_dps(args.dps)
    if args.seed < 0:
        raise ProofsCheckError(f"--seed {args.seed}: seeds are integers >= 0")
    claims = [c for c in _claims_for(args) if c.id == args.id]
    if not claims:
        raise registry.UnknownClaimError(f"no claim {args.id!r}; see 'proofs-check list'")
    budget = DEFAULT_BUDGET_SECONDS if args.budget is None else args.budget
    res = search_claim(claims[0], budget, args.seed, tier=args.tier, dps=args.dps)
    out.write(render_search(res))
    return EXIT_FAIL if res.status == "refuted" else EXIT_OK


def _cmd_domains(args, out):
    from .search import domains_listing
    if args.seed < 0:
        raise ProofsCheckError(f"--seed {args.seed}: seeds are integers >= 0")
    claims = registry.select(args.ids, _claims_for(args))
    out.write(domains_listing(claims, args.tier, args.seed))
    return EXIT_OK


def _cmd_derive(args, out):
    from . import derive
    if args.list or not args.id:
        for did, title in derive.titles().items():
            out.write(f"{did}  {title}\n")
        return EXIT_OK
    if args.output is not None:
        check_writable(args.output)
    text = derive.render(args.id, args.format, fragment=args.fragment, verbose=args.verbose)
    if args.output is not None:
        atomic_write_text(args.output, text)
        out.write(f"wrote {args.output}\n")
    else:
        out.write(text)
    return EXIT_OK


def _cmd_reproduce(args, out):
    from . import reproduce
    known = reproduce.reproductions()
    if args.list or not args.id:
        for rid, rep in known.items():
            out.write(f"{rid}  {rep.description}\n")
        return EXIT_OK
    if args.id not in known:
        raise registry.UnknownClaimError(
            f"no reproduction {args.id!r}; choose one of {', '.join(known)}")
    reproduce.require_matplotlib()
    if args.output is not None:
        outdir = args.output
        check_writable(os.path.join(outdir, "probe") if os.path.isdir(outdir) else outdir)
    else:
        outdir = make_unique_dir("reproductions", args.id)
    paths = reproduce.reproduce(args.id, outdir, style=args.style,
                                progress=lambda msg: sys.stderr.write(msg.rstrip() + "\n"))
    for p in paths:
        out.write(f"wrote {p}\n")
    return EXIT_OK


def main(argv=None, out=None):
    """Entry point; returns the exit status (the console script exits with it)."""
    out = out or sys.stdout
    try:
        args = _build_parser().parse_args(argv)
        if args.version:
            from importlib.metadata import PackageNotFoundError, version
            try:
                out.write(f"proofs-check {version('proofs-check')}\n")
            except PackageNotFoundError:
                out.write("proofs-check (not installed)\n")
            return EXIT_OK
        if args.command is None:
            raise _Usage("proofs-check: a command is required: list, run, derive or reproduce "
                         "(proofs-check --help)")
        handler = {"list": _cmd_list, "run": _cmd_run, "derive": _cmd_derive,
                   "reproduce": _cmd_reproduce, "search": _cmd_search,
                   "domains": _cmd_domains}[args.command]
        return handler(args, out)
    except _Usage as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_USAGE
    except ProofsCheckError as exc:
        sys.stderr.write(f"proofs-check: error: {exc}\n")
        return EXIT_USAGE
    except DerivationError as exc:  # a machine check of a derivation step failed
        sys.stderr.write(f"proofs-check: derivation failed its check: {exc}\n")
        return EXIT_FAIL
    except BrokenPipeError:  # e.g. `proofs-check list | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("\nproofs-check: interrupted; files being written were left as they were\n")
        return EXIT_INTERRUPT


def console():  # pragma: no cover - thin wrapper for the console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console()
