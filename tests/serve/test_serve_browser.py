"""The viewer in a real browser: headless Chromium driven by Selenium.

Servers of the PTB-XL and MIT-BIH smoke runs listen on 127.0.0.1; the shared
records go in through the page's file input, and what the page shows is
checked against `cardiojax.load(workdir).predict_record` of the same file.
Screenshots go to the test's tmp_path; with CARDIOJAX_DOCS_SCREENSHOTS=1 the
two of docs/viewer.md are written to docs/images/ as well. Chromium and its
driver are Debian's `chromium` and `chromium-driver`; without them these
tests fail (CI installs them).
"""

import os
import pathlib
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome import service as chrome_service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import ui

import cardiojax
from cardiojax.serve import app as app_lib
from cardiojax.serve import service as service_lib

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DOCS_IMAGES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "images"
WIDTH = 1400


@pytest.fixture(scope="module")
def urls(serve_runs, start_server):
  services = {name: service_lib.Service(workdir)
              for name, workdir in serve_runs.items()}
  yield {name: start_server(app_lib.create_app(service))
         for name, service in services.items()}
  for service in services.values():
    service.close()


@pytest.fixture(scope="module")
def browser():
  for path in (CHROMIUM, CHROMEDRIVER):
    if not os.path.exists(path):
      pytest.fail(f"{path} not found: install Debian's chromium and "
                  f"chromium-driver (apt-get install chromium "
                  f"chromium-driver)")
  options = webdriver.ChromeOptions()
  options.binary_location = CHROMIUM
  for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                   f"--window-size={WIDTH},1000", "--lang=en-US"):
    options.add_argument(argument)
  driver = webdriver.Chrome(service=chrome_service.Service(CHROMEDRIVER),
                            options=options)
  yield driver
  driver.quit()


def _open(browser, url):
  browser.get(url)
  browser.execute_script("localStorage.clear()")
  browser.get(url)
  ui.WebDriverWait(browser, 30).until(
      lambda b: b.execute_script("return document.body.dataset.ready"))


def _upload(browser, paths, state="ready", timeout=120):
  browser.find_element(By.ID, "files").send_keys(
      "\n".join(str(p) for p in paths))
  ui.WebDriverWait(browser, timeout).until(
      lambda b: b.execute_script("return document.body.dataset.state")
      in ("ready", "error"))
  assert browser.execute_script("return document.body.dataset.state") == state, (
      browser.find_element(By.ID, "error").text)


def _choose(browser, select_id, value):
  ui.Select(browser.find_element(By.ID, select_id)).select_by_value(value)


def _attribution(browser, method, timeout=120):
  _choose(browser, "method", method)
  ui.WebDriverWait(browser, timeout).until(
      lambda b: b.find_element(By.ID, "attribution-status")
      .get_attribute("data-state") in ("ready", "error"))
  status = browser.find_element(By.ID, "attribution-status")
  assert status.get_attribute("data-state") == "ready", status.text


def _shown_classes(browser):
  return [(row.get_attribute("data-class"),
           int(row.get_attribute("data-decision")),
           row.find_element(By.CSS_SELECTOR, ".beats-column")
           .get_attribute("data-count"))
          for row in browser.find_elements(By.CSS_SELECTOR,
                                           "#classes tbody tr")]


def _screenshot(browser, path, docs_name=None):
  height = browser.execute_script(
      "return document.documentElement.scrollHeight")
  browser.set_window_size(WIDTH, height + 160)
  browser.execute_script("window.scrollTo(0, 0)")
  browser.save_screenshot(str(path))
  browser.set_window_size(WIDTH, 1000)
  if docs_name and os.environ.get("CARDIOJAX_DOCS_SCREENSHOTS") == "1":
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_IMAGES / docs_name)


def test_a_12_lead_record_with_attributions_and_arabic(
    browser, urls, serve_runs, ptbxl_files, tmp_path):
  _open(browser, urls["ptbxl"])
  _upload(browser, ptbxl_files)
  expected = cardiojax.load(serve_runs["ptbxl"]).predict_record(ptbxl_files[0])
  decisions = expected.aggregate["decisions"]
  assert _shown_classes(browser) == [
      (name, int(decisions[k]), "") for k, name in enumerate(
          expected.class_names)]
  probability = browser.find_element(
      By.CSS_SELECTOR, "#classes tr[data-class=MI] td.number").text
  assert probability == f"{100 * expected.aggregate['outputs'][2]:.1f} %"
  # The clinical layout: 3 x 4 cells and the rhythm strip, every lead drawn.
  traces = browser.find_elements(By.CSS_SELECTOR, "#plot svg path[data-lead]")
  assert len(traces) == 13
  assert browser.find_element(By.CSS_SELECTOR,
                              "[data-field='record.duration']").text == "10.0 s"
  findings = browser.find_element(By.ID, "preparation").text
  assert f"Cut into {expected.preparation['windows']} windows" in findings
  _attribution(browser, "integrated_gradients")
  bands = browser.find_elements(By.CSS_SELECTOR,
                                "#plot svg rect[fill='#1d5fa8']")
  assert len(bands) > 100
  _screenshot(browser, tmp_path / "12lead.png", "viewer_12lead.png")

  _choose(browser, "language", "ar")
  ui.WebDriverWait(browser, 10).until(
      lambda b: b.execute_script("return document.documentElement.dir")
      == "rtl")
  assert browser.execute_script("return document.documentElement.lang") == "ar"
  assert browser.find_element(By.TAG_NAME, "h1").text == "عارض تخطيط القلب"
  assert browser.find_element(
      By.CSS_SELECTOR, "#classes tr[data-class=NORM] td.decision").text == (
          "موجود" if decisions[3] else "غير موجود")
  assert browser.find_element(By.ID, "plot").get_attribute("dir") == "ltr"
  _screenshot(browser, tmp_path / "12lead_ar.png")
  _choose(browser, "language", "en")


def test_a_holter_record_with_its_beat_timeline(
    browser, urls, serve_runs, holter_files, tmp_path):
  _open(browser, urls["beats_mitdb"])
  _upload(browser, holter_files)
  expected = cardiojax.load(serve_runs["beats_mitdb"]).predict_record(
      holter_files[0])
  counts = expected.aggregate["counts"]
  decided = int(expected.aggregate["decisions"])
  assert _shown_classes(browser) == [
      (name, int(k == decided), str(counts[name]))
      for k, name in enumerate(expected.class_names)]
  layout = browser.find_element(By.ID, "layout")
  assert layout.get_attribute("value") == "strips"
  assert len(browser.find_elements(By.CSS_SELECTOR,
                                   "#plot svg path[data-lead]")) == 2
  timeline = browser.find_element(By.CSS_SELECTOR, "#timeline svg")
  drawn = browser.execute_script(
      "return [...arguments[0].querySelectorAll('path[data-class]')]"
      ".map(p => (p.getAttribute('d').match(/M/g) || []).length)", timeline)
  assert drawn == [counts[name] for name in expected.class_names
                   if counts[name]]
  # A click on the timeline jumps to the nearest beat, centred on screen.
  clicked_s = browser.execute_script("""
      const svg = arguments[0], box = svg.getBoundingClientRect();
      const x = Math.round(box.left + box.width * 2 / 3);
      svg.dispatchEvent(new MouseEvent('click', {clientX: x, bubbles: true}));
      return (x - box.left) / box.width * 650000 / 360;
      """, timeline)
  beat_s = expected.beat_samples / 360.0
  nearest = beat_s[abs(beat_s - clicked_s).argmin()]
  ui.WebDriverWait(browser, 10).until(
      lambda b: abs(float(b.find_element(By.ID, "pan").get_attribute("value"))
                    - (nearest - 5)) < 0.006)
  assert browser.find_elements(By.CSS_SELECTOR, "#plot svg line")
  _attribution(browser, "integrated_gradients")
  _screenshot(browser, tmp_path / "beats.png", "viewer_beats.png")


def test_upload_errors_are_shown(browser, urls, ptbxl_files, tmp_path):
  _open(browser, urls["ptbxl"])
  big = tmp_path / "big.npy"
  with open(big, "wb") as f:
    f.truncate(60_000_000)
  _upload(browser, [big], state="error")
  error = browser.find_element(By.ID, "error")
  assert error.get_attribute("data-status") == "413"
  assert "The upload is too large." in error.text
  assert "60.0 MB, over the limit of 50 MB" in error.text
  (tmp_path / "cut").mkdir()
  header = tmp_path / "cut" / ptbxl_files[0].name
  shutil.copyfile(ptbxl_files[0], header)
  (tmp_path / "cut" / ptbxl_files[1].name).write_bytes(
      ptbxl_files[1].read_bytes()[:5000])
  browser.find_element(By.ID, "files").clear()
  _upload(browser, [header, tmp_path / "cut" / ptbxl_files[1].name],
          state="error")
  assert error.get_attribute("data-status") == "422"
  assert ("00001_lr.dat: truncated: holds 5000 bytes, but 00001_lr.hea "
          "declares sig_len=1000") in error.text
  assert not browser.find_element(By.ID, "results").is_displayed()
  _screenshot(browser, tmp_path / "error.png")
