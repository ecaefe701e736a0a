"""The explorer in a real browser: JupyterLab on 127.0.0.1, driven in headless Chromium through Selenium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
without them these tests skip, except under ``CI=true``, where they fail.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import alibiz

pytestmark = pytest.mark.browser

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "00_explore.ipynb"
WAIT = 120  # seconds for any one step: generous, for two cores shared with the rest of the suite
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1600,1300", "--force-device-scale-factor=1",
]  # fmt: skip


def unavailable(reason: str):
    """Skip on a user's machine; under CI a browser test that cannot run is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


def wait_for(condition, what: str, timeout: float = WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of 00_explore.ipynb, with a token, on a free port of 127.0.0.1; yields its URL."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)  # the browser saves into the copy, never into notebooks/
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    token, port = secrets.token_hex(16), free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
        "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
        "JUPYTER_CONFIG_DIR": str(root / ".config"),
        "JUPYTER_DATA_DIR": str(root / ".data"),  # only this environment's kernel
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    log = (root / "server.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        if server.poll() is not None:
            raise AssertionError(f"JupyterLab exited: {(root / 'server.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    try:
        wait_for(up, "JupyterLab to start")
        yield url, token
    finally:
        try:
            urllib.request.urlopen(urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST"), timeout=10)
            server.wait(timeout=30)
        except Exception:  # noqa: BLE001 - stop the server we started, whatever failed
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    chromium, driver = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).exists() and Path(driver).exists()):
        unavailable("Chromium is not installed (apt-get install -y chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed (pip install -c constraints.txt -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    try:
        session = webdriver.Chrome(service=Service(driver), options=options)
    except Exception as error:  # noqa: BLE001 - any reason Chromium would not start
        unavailable(f"Chromium did not start: {error}")
    session.set_script_timeout(WAIT)
    try:
        yield session
    finally:
        session.quit()


KERNEL_IDLE = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
return !!kernel && kernel.status === "idle";
"""
RUN_IN_KERNEL = """
const [code, done] = [arguments[0], arguments[arguments.length - 1]];
const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
const future = kernel.requestExecute({code: code, store_history: false});
let out = "";
future.onIOPub = (msg) => {
  if (msg.header.msg_type === "stream") out += msg.content.text;
  if (msg.header.msg_type === "error") out += "ERROR " + msg.content.ename + ": " + msg.content.evalue;
};
future.done.then(() => done(out), (error) => done("ERROR " + error));
"""


def test_explorer_in_jupyterlab_shows_the_source_of_the_point_under_the_mouse(lab, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, token = lab
    browser.get(f"{url}/lab/tree/{NOTEBOOK.name}?reset&token={token}")
    wait_for(lambda: browser.execute_script(KERNEL_IDLE), "the notebook's kernel")
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => done(true), (e) => done(String(e)));"
    )
    explorer = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".alibiz-explorer"), "the explorer widget")[0]
    wait_for(lambda: browser.execute_script(KERNEL_IDLE) and "DataError" in browser.find_element(By.TAG_NAME, "body").text,
             "every cell to run")  # fmt: skip

    # pick another lineage in the dropdown
    lineage = Select(explorer.find_element(By.CSS_SELECTOR, ".alibiz-lineage select"))
    cloud = next(option.text for option in lineage.options if option.text.replace("\xa0", " ").startswith("Cloud (cloud)"))
    lineage.select_by_visible_text(cloud)
    wait_for(lambda: "Cloud" in explorer.find_element(By.CSS_SELECTOR, ".alibiz-rows").text, "the cloud figures under the chart")
    wait_for(lambda: browser.execute_script(KERNEL_IDLE), "the redraw")

    # where the live explorer put the point, asked of the kernel that drew it
    answer = browser.execute_async_script(RUN_IN_KERNEL, "print(ex.segment, *ex._point_position('FY2025Q2'))")
    segment, x, y = answer.split()
    assert segment == "cloud", answer
    canvas = explorer.find_element(By.CSS_SELECTOR, ".jupyter-matplotlib-canvas-div")
    width, height = canvas.size["width"], canvas.size["height"]
    assert (width, height) == (900, 420)  # the figure at 100 dpi, as plot_metric makes it
    ActionChains(browser).move_to_element_with_offset(canvas, round(float(x) - width / 2), round(float(y) - height / 2)).perform()

    row = alibiz.load_metrics().query("segment == 'cloud' and metric == 'revenue_yoy' and basis == 'as_reported' and fiscal_period == 'FY2025Q2'").iloc[0]
    details = explorer.find_element(By.CSS_SELECTOR, ".alibiz-details")
    shown = wait_for(lambda: (text := details.text.replace("\xa0", " ")).startswith("FY2025Q2") and text, "the details of the point")
    browser.save_screenshot(str(tmp_path / "explorer.png"))
    explorer.screenshot(str(tmp_path / "explorer-widget.png"))
    browser.execute_script("arguments[0].scrollIntoView()", explorer.find_element(By.CSS_SELECTOR, ".alibiz-rows"))
    browser.save_screenshot(str(tmp_path / "explorer-rows.png"))
    assert f"Revenue growth: {row['value']:g}%" in shown
    assert f"Segment as printed: {row['segment_label']}" in shown
    assert f"Source: {row['source']}" in shown
    links = [a.get_attribute("href") for a in details.find_elements(By.TAG_NAME, "a")]
    assert links and all(link in row["source"] for link in links)
    assert shown == browser.execute_async_script(RUN_IN_KERNEL, "print(ex.details('FY2025Q2'), end='')")  # ex.details() is the panel

    # a loss bar is found anywhere along it, not only at its end
    Select(explorer.find_element(By.CSS_SELECTOR, ".alibiz-metric select")).select_by_visible_text("Adjusted EBITA")
    wait_for(lambda: "RMB_mn" in explorer.find_element(By.CSS_SELECTOR, ".alibiz-rows").text, "the adjusted EBITA figures")
    wait_for(lambda: browser.execute_script(KERNEL_IDLE), "the redraw")
    where = "ex.figure.draw_without_rendering(); zero = ex._ax.transData.transform((0, 0))[1]; print(ex.metric, *ex._point_position('FY2020Q2'), (ex.figure.bbox.height - zero) / (ex.figure.dpi / 100))"
    metric, x, end, zero = browser.execute_async_script(RUN_IN_KERNEL, where).split()
    assert metric == "adjusted_ebita" and float(end) > float(zero) + 10  # a loss: the bar hangs below the zero line
    ActionChains(browser).move_to_element_with_offset(canvas, round(float(x) - width / 2), round((float(end) + float(zero)) / 2 - height / 2)).perform()
    loss = wait_for(lambda: (text := details.text.replace("\xa0", " ")).startswith("FY2020Q2") and text, "the details of the bar")
    browser.save_screenshot(str(tmp_path / "explorer-loss-bar.png"))
    value = alibiz.load_metrics().query("segment == 'cloud' and metric == 'adjusted_ebita' and basis == 'as_reported' and fiscal_period == 'FY2020Q2'")["value"].iloc[0]
    assert value < 0 and f"Adjusted EBITA: RMB {value:,.0f} million" in loss
    assert loss == browser.execute_async_script(RUN_IN_KERNEL, "print(ex.details('FY2020Q2'), end='')")
