"""Portal benchmark (issue 6, "Performance").

Starts its own gunicorn (the project's WSGI app plus two reference views) and its own nginx on
loopback ports (config written to a temp dir: it serves the static export and a plain file, and
proxies everything else to the gunicorn), then measures with wrk, in ≥ 3 interleaved rounds,
medians of requests/second and p99 latency:

1. Published article as readers get it (nginx, static export) ≥ 0.60 × nginx serving the same
   bytes as a plain file; p99 ≤ 2×.
2. App-level page-cache hit (zhengwu.portal.pagecache) ≥ 0.40 × a bare Django view returning the
   same bytes from memory (both straight to gunicorn, through the whole middleware stack).
3. Cache miss (full Wagtail render; each request a new cache key) ≥ 0.50 × a bare Django template
   rendering the same HTML (the article's own templates from a context held in memory).
4. Search over 100,000 articles (zhengwu.search ``search_query``; rows from its bulk fill):
   median query latency ≤ 10× a primary-key page fetch in the same run (in-process).

The SQL budget (≤ 10 queries per cache-miss page) is asserted in
zhengwu/portal/tests/test_query_budget.py, not timed here.

    .venv/bin/python bench/portal.py [--quick]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_bench .venv/bin/python bench/portal.py

Needs ``nginx`` and ``wrk`` (``make bench`` installs Debian's when missing). Uses Django's
test-database machinery (``test_portal_bench`` on PostgreSQL, /tmp on SQLite), dropped at the end.
``--quick`` shrinks durations and the search corpus 10×, never the targets.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Report, arguments, bench_database, setup_django

NAME = "portal"
ROUNDS = 3
ROUNDS_FULL = 5
NGINX_ROUNDS = 9
ARTICLE_PATH = "/news/bench-article/"
BODY_PARAGRAPH = (
    "为深入贯彻落实党中央、国务院关于深化“放管服”改革优化营商环境的决策部署，进一步提升政务服务"
    "标准化、规范化、便利化水平，市政府研究制定了若干措施。各区县人民政府、市政府各部门要结合实际，"
    "认真抓好贯彻落实，确保各项措施落地见效。"
)


# --- The gunicorn side: the project's WSGI app plus the two reference views -------------------


def bench_app() -> Any:
    """gunicorn factory (``bench.portal:bench_app()``): the project's app plus two public
    reference views behind the same middleware as the portal: /__bench/bytes/ returns the
    article's bytes from memory; /__bench/template/ renders the article's own templates from a
    context built once and held in memory (the same HTML, minus routing, Wagtail and the
    database)."""
    setup_django()
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse
    from django.template.loader import get_template
    from django.urls import path

    import config.urls
    from zhengwu.core.access import public
    from zhengwu.portal import views as portal_views

    source = Path(os.environ["BENCH_PORTAL_DIR"]) / "reference.html"
    held: dict[str, Any] = {}

    @public
    def raw_bytes(request: Any) -> HttpResponse:
        if "bytes" not in held:
            held["bytes"] = source.read_bytes()
        return HttpResponse(held["bytes"], content_type="text/html; charset=utf-8")

    @public
    def template(request: Any) -> HttpResponse:
        if "template" not in held:
            page = portal_views._route(request, ARTICLE_PATH).page  # type: ignore[union-attr]
            held["context"] = page.get_context(request)
            held["template"] = get_template(page.get_template(request))
            held["site"] = request._wagtail_site
        request._wagtail_site = held["site"]  # links resolve without a site lookup
        context = {**held["context"], "request": request}
        return HttpResponse(held["template"].render(context, request))

    config.urls.urlpatterns[:0] = [
        path("__bench/bytes/", raw_bytes),
        path("__bench/template/", template),
    ]
    return get_wsgi_application()


# --- The world ---------------------------------------------------------------------------------


def build_world() -> Any:
    from django.utils import timezone

    from zhengwu.directory.models import Organisation, Region
    from zhengwu.portal import publish, selectors
    from zhengwu.portal.models import ArticlePage, ColumnPage

    city = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    Organisation.objects.create(name="云泽市人民政府", kind="government", region=city, code="yzszf")
    for i in range(12):
        Organisation.objects.create(name=f"云泽市第{i}局", kind="department", region=city,
                                    code=f"dept{i}")  # fmt: skip
    home = selectors.portal_home()

    def add(parent: Any, page: Any) -> Any:
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    news = add(home, ColumnPage(title="要闻", slug="news", column_type="工作动态",
                                show_in_menus=True))  # fmt: skip
    for title, slug in (("通知公告", "notices"), ("政策文件", "policies"),
                        ("政策解读", "readings")):  # fmt: skip
        add(home, ColumnPage(title=title, slug=slug, show_in_menus=True))
    body = "".join(f"<p>{BODY_PARAGRAPH}</p>" for _ in range(12))
    for n in range(20):
        add(news, ArticlePage(title=f"云泽市召开第{n}次全体会议", slug=f"item-{n}", body=body,
                              source="云泽市人民政府办公室"))  # fmt: skip
    article = add(news, ArticlePage(
        title="云泽市召开优化营商环境推进会", slug="bench-article", body=body,
        source="云泽市人民政府办公室", author="李明", pub_date=timezone.now(),
    ))  # fmt: skip
    publish.publish_all()
    return article


# --- Processes -----------------------------------------------------------------------------------


def check(condition: bool, detail: Any = "") -> None:
    """A precondition of a fair comparison (same bytes, the cache really hit or missed)."""
    if not condition:
        raise RuntimeError(f"benchmark precondition failed {detail}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.read(), dict(response.headers)


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    open_file_cache max=1000 inactive=60s;
    server {{
        listen 127.0.0.1:{port};
        charset utf-8;
        # As deploy/nginx/zhengwu.conf: the export first, the application for the rest.
        location /plain/ {{ alias {tmp}/plain/; }}
        location / {{
            root {publish};
            error_page 418 = @app;
            if ($args) {{ return 418; }}
            try_files $uri/index.html $uri @app;
        }}
        location @app {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
        }}
    }}
}}
"""

WRK_LUA_MISS = """
counter = 0
request = function()
    counter = counter + 1
    return wrk.format(nil, "{path}?page=" .. counter .. "-" .. math.random(1, 1000000000))
end
"""


def wrk(url: str, seconds: float, script: Path | None = None) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of one wrk run."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    return rps, p99


# --- Search --------------------------------------------------------------------------------------


def search_latency(report: Report, n: int, article: Any) -> None:
    from zhengwu.portal.models import ArticlePage
    from zhengwu.search.selectors import search_query
    from zhengwu.search.synthetic import synthetic_fill

    start = time.perf_counter()
    synthetic_fill(n, source="bench")
    report.info(f"search corpus: {n} articles filled in {time.perf_counter() - start:.1f}s")
    queries = ["营商环境", "政务服务", "市场监管", "教育", "农业补贴", "招商引资", "社会保障",
               "营商 措施", "交通", "医疗卫生"]  # fmt: skip
    search_samples, pk_samples = [], []
    for _ in range(ROUNDS):
        for q in queries:
            t = time.perf_counter()
            results = search_query(q)
            list(results.hits)
            search_samples.append(time.perf_counter() - t)
            t = time.perf_counter()
            ArticlePage.objects.get(pk=article.pk)
            pk_samples.append(time.perf_counter() - t)
    search_ms = statistics.median(search_samples) * 1000
    pk_ms = statistics.median(pk_samples) * 1000
    report.info(f"search median={search_ms:.2f}ms pk page fetch median={pk_ms:.3f}ms")
    report.metric("search_vs_pk_fetch", search_ms / pk_ms, "<=", 10)


# --- Main ----------------------------------------------------------------------------------------


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            print(f"{NAME}: {tool} missing (make bench installs it)")
            return 1
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    seconds = 1 if args.quick else 5
    rounds = ROUNDS if args.quick else ROUNDS_FULL
    tmp = Path(tempfile.mkdtemp(prefix="zw-portal-bench-"))
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user
    os.environ.update({
        "PORTAL_PUBLISH_DIR": str(tmp / "publish"),
        "PORTAL_PAGE_CACHE_STAMP": str(tmp / "page-cache.stamp"),
        "PORTAL_PAGE_CACHE_SECONDS": "600",
        "BENCH_PORTAL_DIR": str(tmp),
    })  # fmt: skip
    setup_django()
    report = Report(NAME)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with bench_database("portal_bench"):
            from django.db import connection

            article = build_world()
            name = connection.settings_dict["NAME"]
            if connection.vendor == "sqlite":
                database_url = f"sqlite:///{name}"
            else:
                base = os.environ.get("DATABASE_URL", "")
                database_url = base.rsplit("/", 1)[0] + "/" + name
            app_port, web_port = free_port(), free_port()
            env = {**os.environ, "DATABASE_URL": database_url}
            processes.append(subprocess.Popen(  # noqa: S603 - fixed arguments
                [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{app_port}",
                 "--log-level", "warning", "bench.portal:bench_app()"],
                cwd=ROOT, env=env,
            ))  # fmt: skip
            app = f"http://127.0.0.1:{app_port}"
            wait_for(app + ARTICLE_PATH)
            (tmp / "plain").mkdir()
            static_bytes = (tmp / "publish" / ARTICLE_PATH.strip("/") / "index.html").read_bytes()
            (tmp / "plain" / "article.html").write_bytes(static_bytes)
            page_bytes, _headers = fetch(app + ARTICLE_PATH)
            (tmp / "reference.html").write_bytes(page_bytes)
            (tmp / "nginx.conf").write_text(NGINX_CONF.format(
                tmp=tmp, port=web_port, app_port=app_port, publish=tmp / "publish",
            ))  # fmt: skip
            processes.append(subprocess.Popen(  # noqa: S603 - fixed arguments
                [nginx, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], cwd=tmp,
            ))  # fmt: skip
            web = f"http://127.0.0.1:{web_port}"
            wait_for(web + "/plain/article.html")
            # The same bytes on both sides of each comparison.
            check(fetch(web + ARTICLE_PATH)[0] == fetch(web + "/plain/article.html")[0])
            for _ in range(6):  # each worker process has its own cache: warm them all
                hit, headers = fetch(app + ARTICLE_PATH)
            check(headers.get("X-Portal-Cache") == "hit", headers)
            check(hit == fetch(app + "/__bench/bytes/")[0] == page_bytes)
            check(fetch(app + "/__bench/template/")[0] == page_bytes)
            miss, headers = fetch(app + ARTICLE_PATH + "?page=warm")
            check(headers.get("X-Portal-Cache") == "miss" and miss == page_bytes, headers)
            script = tmp / "miss.lua"
            script.write_text(WRK_LUA_MISS.format(path=ARTICLE_PATH))
            report.info(f"article page {len(page_bytes)} bytes; wrk -c8 {seconds}s "
                        f"x {rounds} rounds")  # fmt: skip

            scenarios: dict[str, tuple[str, Path | None]] = {
                "static": (web + ARTICLE_PATH, None),
                "plain": (web + "/plain/article.html", None),
                "hit": (app + ARTICLE_PATH, None),
                "bytes": (app + "/__bench/bytes/", None),
                "miss": (app + ARTICLE_PATH, script),
                "template": (app + "/__bench/template/", None),
            }
            for url, s in scenarios.values():  # warm-up
                wrk(url, 1, s)
            rps: dict[str, list[float]] = {k: [] for k in scenarios}
            p99: dict[str, list[float]] = {k: [] for k in scenarios}
            for n in range(max(rounds, NGINX_ROUNDS)):
                for key, (url, s) in scenarios.items():
                    if n >= rounds and key not in ("static", "plain"):
                        continue  # nginx pairs are cheap: more rounds against its p99 noise
                    r, p = wrk(url, seconds, s)
                    rps[key].append(r)
                    p99[key].append(p)
            med = {k: statistics.median(v) for k, v in rps.items()}
            med99 = {k: statistics.median(v) for k, v in p99.items()}
            for key in scenarios:
                report.info(f"{key}: median {med[key]:.0f} req/s, p99 {med99[key]:.2f} ms "
                            f"(rounds {', '.join(f'{v:.0f}' for v in rps[key])})")  # fmt: skip
            report.metric("static_vs_plain_file_rps", med["static"] / med["plain"], ">=", 0.60)
            report.metric("static_vs_plain_file_p99", med99["static"] / med99["plain"], "<=", 2)
            report.metric("cache_hit_vs_bare_view_rps", med["hit"] / med["bytes"], ">=", 0.40)
            report.metric("cache_miss_vs_bare_template_rps", med["miss"] / med["template"],
                          ">=", 0.50)  # fmt: skip
            search_latency(report, 10_000 if args.quick else 100_000, article)
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM if process.args[0] != nginx else signal.SIGQUIT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
