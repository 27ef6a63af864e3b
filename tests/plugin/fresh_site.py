"""`make test-plugin`: install the built wheel into a fresh `wagtail start` site, as a user would.

1. Build the wheel and check what it ships (LICENSE, py.typed, templates, static, migrations).
2. `wagtail start mysite` in a temporary directory, in a fresh venv where only the wheel is
   installed (with its dependencies from the package index: no web server, no database driver);
   rename the site's ``home`` app to ``landing`` so nothing can lean on a host app's label.
3. Add only "advocacy" and "newsletter": `manage.py check` must fail and name each app to add.
   Add the README's settings block: `check` must name each URL include. Add the README's URL
   block: `check` passes, `migrate` and `newsletter_setup_roles` run.
4. Create and publish one page of each type, serve the site with `runserver`, fetch each page
   over HTTP (200, the apps' stylesheets linked and served), then write an issue and send it to
   three subscribers through Anymail's test backend.

Run from the repository root: ``python tests/plugin/fresh_site.py`` (``--keep`` keeps the
directory; ``--screenshots DIR`` saves each page as Chromium shows it, desktop and phone).
Needs the package index (or a pip cache that holds the dependencies).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
HOSTING_PACKAGES = {
    "gunicorn",
    "uvicorn",
    "whitenoise",
    "psycopg",
    "psycopg2",
    "psycopg-binary",
    "dj-database-url",
    "django-cors-headers",
    "django-axes",
    "django-tasks-db",
    "mysqlclient",
}
STYLESHEETS = {
    "advocacy": "advocacy/css/advocacy.css",
    "newsletter": "newsletter/css/newsletter.css",
}


# The plugin's scripts a page links (signatory filter, share, subscribe): each must be served.
SCRIPT = re.compile(r"/static/((?:advocacy|newsletter)/js/[\w.-]+\.js)")


class Failed(Exception):
    """A step did not do what a user following the README would expect."""


def step(text: str) -> None:
    print(f"--- {text}", flush=True)


def run(args: list[str], cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise Failed(
            f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def readme_block(name: str) -> str:
    """The fenced code block that follows ``<!-- install:NAME -->`` in the README."""
    match = re.search(
        rf"<!-- install:{name} -->\s*```[a-z]*\n(.*?)```", README.read_text(), re.DOTALL
    )
    if not match:
        raise Failed(f"README.md has no code block marked <!-- install:{name} -->")
    return match.group(1)


def build_wheel(out: Path) -> Path:
    step("build the wheel")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), "."],
        ROOT,
        {**os.environ},
    )
    wheel = next(out.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    expected = [
        "advocacy/py.typed",
        "newsletter/py.typed",
        "advocacy/static/" + STYLESHEETS["advocacy"],
        "newsletter/static/" + STYLESHEETS["newsletter"],
        "advocacy/templates/advocacy/open_letter_page.html",
        "newsletter/templates/newsletter/email/issue.mjml",
        "newsletter/migrations/0001_initial.py",
    ]
    missing = [name for name in expected if name not in names]
    if not any(name.endswith("licenses/LICENSE") for name in names):
        missing.append("*.dist-info/licenses/LICENSE")
    stray = sorted({name.split("/")[0] for name in names if name.startswith(("tests/", "site/"))})
    if missing or stray:
        raise Failed(f"wheel {wheel.name}: missing {missing}, should not ship {stray}")
    print(f"{wheel.name}: {len(names)} files, {wheel.stat().st_size // 1024} KiB")
    return wheel


def fresh_site(work: Path, wheel: Path) -> tuple[Path, dict]:
    step("a fresh venv with only the wheel, and `wagtail start mysite`")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], work, os.environ.copy())
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL", "VIRTUAL_ENV"}
        and not key.startswith(("NEWSLETTER_", "ANYMAIL_"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    run(["pip", "install", "-q", "--disable-pip-version-check", str(wheel)], work, env)
    installed = {
        line.split("==")[0].lower() for line in run(["pip", "freeze"], work, env).stdout.split()
    }
    hosting = sorted(installed & HOSTING_PACKAGES)
    if hosting:
        raise Failed(f"installing the wheel pulled hosting packages: {hosting}")
    print(f"{len(installed)} packages installed, none of {sorted(HOSTING_PACKAGES)}")
    site = work / "mysite"
    site.mkdir()
    run(["wagtail", "start", "mysite", str(site)], work, env)
    rename_home_app(site)
    return site, env


def rename_home_app(site: Path) -> None:
    """``home`` becomes ``landing``: the plugin must not depend on a host app's label."""
    (site / "home").rename(site / "landing")
    (site / "landing/templates/home").rename(site / "landing/templates/landing")
    for path in (site / "landing").rglob("*"):
        if path.suffix in {".py", ".html"}:
            text = path.read_text()
            # The app label only (not the page's slug "home").
            text = re.sub(r"\bhome\.", "landing.", text)
            text = re.sub(r"(app_label=|name = |\()\"home\"", r'\1"landing"', text)
            text = text.replace("'home/", "'landing/")
            path.write_text(text)
    settings = site / "mysite/settings/base.py"
    settings.write_text(settings.read_text().replace('"home",', '"landing",'))


def manage(site: Path, env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(["python", "manage.py", *args], site, env, check=check)


def expect_check_names(site: Path, env: dict, names: list[str], stage: str) -> None:
    result = manage(site, env, "check", check=False)
    output = result.stdout + result.stderr
    missing = [name for name in names if name not in output]
    if result.returncode == 0 or missing:
        raise Failed(f"`check` {stage}: exit {result.returncode}, not named: {missing}\n{output}")
    print(f"`check` {stage} fails and names: {', '.join(names)}")
    print("\n".join(f"    {line}" for line in output.strip().splitlines()[-40:]))


def install_apps(site: Path, env: dict) -> None:
    settings = site / "mysite/settings/base.py"
    original = settings.read_text()
    step("only the two apps added: `check` names what else to add")
    settings.write_text(original + '\nINSTALLED_APPS += ["advocacy", "newsletter"]\n')
    settings_block = readme_block("settings")
    apps = re.findall(r'"([\w.]+)"', settings_block.split("]")[0])
    needed = [f'"{app}"' for app in apps if app not in {"advocacy", "newsletter"}]
    expect_check_names(site, env, needed, "with only the two apps")

    step("the README's settings added: `check` names the URL includes")
    settings.write_text(original + "\n" + settings_block)
    urls_block = readme_block("urls")
    includes = re.findall(r'include\("([\w.]+)"\)', urls_block)
    expect_check_names(site, env, includes, "without the URLs")

    step("the README's URLs added: `check` and `migrate` pass")
    urls = site / "mysite/urls.py"
    text = urls.read_text()
    anchor = "urlpatterns = urlpatterns + ["
    if anchor not in text:
        raise Failed(f"mysite/urls.py has no line {anchor!r} to add the README's URLs above")
    urls.write_text(text.replace(anchor, urls_block + "\n" + anchor))
    # The test harness's own choice (not the README's): Anymail's test backend records messages.
    dev = site / "mysite/settings/dev.py"
    dev.write_text(dev.read_text() + '\nEMAIL_BACKEND = "anymail.backends.test.EmailBackend"\n')
    print(manage(site, env, "check").stdout.strip())
    manage(site, env, "migrate", "--noinput")
    print(manage(site, env, "newsletter_setup_roles").stdout.strip())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read().decode("utf-8", "replace")
            return response.status, response.headers.get("Content-Type", ""), body
    except urllib.error.HTTPError as error:
        return error.code, "", error.read().decode("utf-8", "replace")


def wait_for(url: str, server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise Failed(f"runserver exited: {server.stdout.read() if server.stdout else ''}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.5)
    raise Failed(f"runserver did not answer at {url}")


def screenshot(base: str, paths: dict[str, str], out: Path) -> None:
    """Each HTML page at desktop and phone width, with /usr/bin/chromium (Playwright)."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for width, device in ((1280, "desktop"), (390, "phone")):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for name, path in paths.items():
                if name not in {"feed", "api", "api_v3", "signatories", "openapi"}:
                    page.goto(base + path)
                    page.screenshot(path=out / f"{name}-{device}.png", full_page=True)
            page.close()
        browser.close()
    print(f"screenshots in {out}")


def serve_pages(site: Path, env: dict, exercise: Path, shots: Path | None) -> None:
    port = free_port()
    step("one page of each type, created and published; each fetched over HTTP")
    paths = json.loads(manage_script(site, env, exercise, "pages", str(port)))
    server = subprocess.Popen(
        ["python", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/", server)
        sheets_served: set[str] = set()
        scripts_served: set[str] = set()
        for name, path in paths.items():
            status, content_type, body = fetch(base + path)
            linked = [sheet for sheet in STYLESHEETS.values() if f"/static/{sheet}" in body]
            if status != 200:
                raise Failed(f"{name} {path}: {status}\n{body[:2000]}")
            if "html" in content_type and not linked:
                raise Failed(f"{name} {path}: no plugin stylesheet linked")
            print(f"{status} {path:40} {content_type.split(';')[0]:22} {' '.join(linked)}")
            for sheet in linked:
                if sheet not in sheets_served:
                    css_status, css_type, css = fetch(f"{base}/static/{sheet}")
                    if css_status != 200 or "css" not in css_type or len(css) < 1000:
                        raise Failed(f"/static/{sheet}: {css_status} {css_type} {len(css)} B")
                    print(f"{css_status} /static/{sheet} {css_type} {len(css)} bytes")
                    sheets_served.add(sheet)
            for script in sorted(set(SCRIPT.findall(body)) - scripts_served):
                js_status, js_type, js = fetch(f"{base}/static/{script}")
                if js_status != 200 or "javascript" not in js_type or not js.strip():
                    raise Failed(f"/static/{script}: {js_status} {js_type} {len(js)} B")
                print(f"{js_status} /static/{script} {js_type} {len(js)} bytes")
                scripts_served.add(script)
        if len(sheets_served) != len(STYLESHEETS):
            raise Failed(f"stylesheets never linked: {set(STYLESHEETS.values()) - sheets_served}")
        if shots:
            screenshot(base, paths, shots)
    finally:
        server.terminate()
        server.wait(timeout=30)


def manage_script(site: Path, env: dict, exercise: Path, *args: str) -> str:
    return run(["python", str(exercise), *args], site, env).stdout.strip().splitlines()[-1]


def send_issue(site: Path, env: dict, exercise: Path) -> None:
    step("an issue featuring the letter and the win, sent through Anymail's test backend")
    report = json.loads(manage_script(site, env, exercise, "send"))
    print(json.dumps(report, indent=2))
    expected = [f"reader{n}@example.org" for n in range(3)]
    if (
        report["recipients"] != expected
        or report["unsubscribe_headers"] != 3
        or not report["html_features_pages"]
        or report["subjects"] != ["March news"]
    ):
        raise Failed(f"the send did not reach the three subscribers as written: {report}")


def main() -> int:
    keep = "--keep" in sys.argv
    shots = (
        Path(sys.argv[sys.argv.index("--screenshots") + 1]) if "--screenshots" in sys.argv else None
    )
    work = Path(tempfile.mkdtemp(prefix="fresh-wagtail-site-"))
    started = time.monotonic()
    try:
        wheel = build_wheel(work / "dist")
        site, env = fresh_site(work, wheel)
        exercise = work / "exercise_site.py"
        shutil.copy(Path(__file__).with_name("exercise_site.py"), exercise)
        install_apps(site, env)
        serve_pages(site, env, exercise, shots)
        send_issue(site, env, exercise)
    except Failed as error:
        print(f"FAILED: {error}", file=sys.stderr)
        print(f"(the site is kept in {work})", file=sys.stderr)
        return 1
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - started
    print(f"--- the plugin installs and works in a fresh Wagtail site ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
