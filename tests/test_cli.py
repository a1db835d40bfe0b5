"""The `cardiojax` command, run from a folder outside the repository.

Built-in configs by name (`cardiojax.config_names`, in-process), the short
end-of-run summary and `--json`, a local config file winning over the
built-in one, and every user error as one line with exit status 2.
"""

import json
import pathlib
import subprocess
import sys

import pytest
from ml_collections import config_dict

from cardiojax import _version
from cardiojax import cli
from cardiojax import config_names
from cardiojax.modes import summary as summary_lib

REPO = pathlib.Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
CARDIOJAX = pathlib.Path(sys.executable).with_name("cardiojax")
# A local config of a built-in name: the built-in seq2seq with a bootstrap
# of 7 resamples, which results.json's protocol then names.
LOCAL_SEQ2SEQ = '''
from configs import seq2seq

def get_config(variant=""):
  config = seq2seq.get_config(variant)
  config.eval.bootstrap_samples = 7
  return config
'''


def cardiojax(*args, cwd):
  assert CARDIOJAX.is_file(), f"{CARDIOJAX}: missing; `pip install -e .`"
  return subprocess.run([str(CARDIOJAX), *args], cwd=cwd, capture_output=True,
                        text=True, timeout=300, check=False)


def test_builtin_configs_are_the_config_modules():
  names = config_names.builtin_configs()
  assert {"seq2seq", "ptbxl", "beats_mitdb_aami", "studies/lead_elimination",
          "studies/single_lead"} <= set(names)
  assert not {"common", "beats_common", "twelve_lead_common", "__init__",
              "studies/__init__"} & set(names)
  assert names["ptbxl"] == CONFIGS / "ptbxl.py"
  assert list(names) == sorted(names)


@pytest.mark.parametrize("spec, file, note", [
    ("seq2seq:smoke", "seq2seq.py:smoke", None),
    ("ptbxl:superdiagnostic", "ptbxl.py:superdiagnostic", None),
    ("ptbxl:rhythm,smoke", "ptbxl.py:rhythm,smoke", None),
    ("studies/lead_elimination", "studies/lead_elimination.py", None),
    (f"{CONFIGS}/seq2seq.py:quick", "seq2seq.py:quick", None),
    # A path that is not there falls back to the built-in config and says so.
    ("configs/seq2seq.py:smoke", "seq2seq.py:smoke",
     "--config: configs/seq2seq.py is not a file in {cwd}; using the "
     "built-in config seq2seq ({configs}/seq2seq.py)"),
    ("configs/studies/single_lead.py", "studies/single_lead.py",
     "--config: configs/studies/single_lead.py is not a file in {cwd}; "
     "using the built-in config studies/single_lead"),
    ("seq2seq.py", "seq2seq.py", "--config: seq2seq.py is not a file in"),
])
def test_names_and_missing_paths_resolve_to_built_in_configs(tmp_path, spec,
                                                             file, note):
  resolved = config_names.resolve(spec, cwd=tmp_path)
  assert resolved.value == f"{CONFIGS}/{file}"
  if note is None:
    assert resolved.note is None
  else:
    assert resolved.note.startswith(note.format(cwd=tmp_path,
                                                configs=CONFIGS))


def test_a_local_file_wins_over_the_built_in_config(tmp_path):
  (tmp_path / "seq2seq.py").write_text(LOCAL_SEQ2SEQ)
  (tmp_path / "configs" / "studies").mkdir(parents=True)
  (tmp_path / "configs" / "studies" / "describe.py").write_text(LOCAL_SEQ2SEQ)
  (tmp_path / "mine.py").write_text(LOCAL_SEQ2SEQ)
  cases = {
      "seq2seq:smoke": ("seq2seq.py:smoke", "--config: using ./seq2seq.py, "
                        "not the built-in config seq2seq"),
      "./seq2seq.py:smoke": ("seq2seq.py:smoke", "--config: using "
                             "./seq2seq.py, not the built-in config seq2seq"),
      "configs/studies/describe.py": (
          "configs/studies/describe.py", "--config: using "
          "configs/studies/describe.py, not the built-in config "
          "studies/describe"),
      "mine:smoke": ("mine.py:smoke", None),  # no built-in of that name
      "mine.py": ("mine.py", None),
  }
  for spec, (file, note) in cases.items():
    resolved = config_names.resolve(spec, cwd=tmp_path)
    assert resolved == config_names.Resolved(f"{tmp_path}/{file}", note), spec
  # The repository's own configs/ is the built-in config itself: no note.
  assert config_names.resolve("configs/seq2seq.py:smoke", cwd=REPO) == (
      config_names.Resolved(f"{CONFIGS}/seq2seq.py:smoke"))


@pytest.mark.parametrize("spec", ["nope", "nope:smoke", "configs/nope.py",
                                  "studies/nope", ""])
def test_an_unknown_config_is_one_line_listing_the_built_in_names(tmp_path,
                                                                  spec):
  with pytest.raises(ValueError) as raised:
    config_names.resolve(spec, cwd=tmp_path)
  message = str(raised.value)
  assert "\n" not in message
  assert message.startswith(f"--config={spec}: ")
  assert message.endswith("built-in configs: " + ", ".join(
      config_names.builtin_configs()))


def test_config_flag_is_rewritten_before_absl_parses_it(tmp_path, monkeypatch,
                                                        capsys):
  from cardiojax import main  # pylint: disable=g-import-not-at-top
  monkeypatch.chdir(tmp_path)
  argv, spec = main.resolve_config_flag(
      ["cardiojax train", "--mode=train", "--config=configs/ptbxl.py:rhythm",
       "--config.train.num_steps=2", "--workdir=run"])
  assert spec == "configs/ptbxl.py:rhythm"
  assert argv == ["cardiojax train", "--mode=train",
                  f"--config={CONFIGS}/ptbxl.py:rhythm",
                  "--config.train.num_steps=2", "--workdir=run"]
  assert "using the built-in config ptbxl" in capsys.readouterr().err
  argv, spec = main.resolve_config_flag(["x", "--config", "seq2seq:smoke"])
  assert (argv, spec) == (["x", "--config", f"{CONFIGS}/seq2seq.py:smoke"],
                          "seq2seq:smoke")
  assert main.resolve_config_flag(["x", "--workdir=run"]) == (
      ["x", "--workdir=run"], None)


def test_help_and_version(capsys):
  assert cli.main(["cardiojax", "--version"]) == 0
  assert capsys.readouterr().out == f"cardiojax {_version.__version__}\n"
  assert cli.main(["cardiojax", "--help"]) == 0
  text = capsys.readouterr().out
  for command in cli.COMMANDS:
    assert f"\n  {command} " in text
  assert cli.main(["cardiojax", "train", "--help"]) == 0
  text = capsys.readouterr().out
  assert "--workdir" in text and "--[no]json" in text and "seq2seq" in text


def test_serve_and_prepare_are_delegated(tmp_path, capsys):
  """`cardiojax serve|prepare` are `cardiojax.serve` and `modes.prepare`."""
  assert cli.main(["cardiojax", "serve", f"--workdir={tmp_path}"]) == 2
  assert capsys.readouterr().err.startswith(
      f"--workdir={tmp_path}: {tmp_path}/config.json: not found")
  assert cli.main(["cardiojax", "prepare", "ptbxll", "--download"]) == 2
  assert capsys.readouterr().err.startswith(
      "error: CORPUS 'ptbxll': unknown corpus; did you mean ptbxl?")


def _headline_inputs(monitor, with_test=True):
  evaluation = {"best_step": 40, "splits": {
      "validation": {"num_examples": 90},
      **({"test": {"num_examples": 120}} if with_test else {})}}
  results = {
      "model": {"loss": {"value": None, "low": None, "high": None},
                "accuracy": {"value": 0.8, "low": None, "high": None},
                "macro_auroc": {"value": 0.912345, "low": 0.9, "high": 0.93}},
      "naive baseline": {
          "accuracy": {"value": 0.5, "low": 0.45, "high": 0.55},
          "macro_auroc": {"value": 0.5, "low": 0.5, "high": 0.5}}}
  train = config_dict.ConfigDict({"monitor": monitor, "monitor_mode": "max"})
  return evaluation, results, train


def test_headline_is_the_monitored_metric_against_the_naive_baseline():
  assert summary_lib.headline(*_headline_inputs("macro_auroc")) == (
      "test macro_auroc: model 0.9123 (95% CI [0.9, 0.93]) vs naive baseline "
      "0.5 (95% CI [0.5, 0.5]) (120 test examples, best checkpoint: step 40, "
      "higher is better)")
  # The loss has no naive baseline: the first metric both report.
  assert summary_lib.headline(*_headline_inputs("loss", with_test=False)) == (
      "validation accuracy: model 0.8 vs naive baseline 0.5 (95% CI [0.45, "
      "0.55]) (90 validation examples, best checkpoint: step 40)")


def test_short_summaries_of_predict_explain_and_study(tmp_path, capsys):
  predicted = {"predictions_dir": str(tmp_path / "predictions"), "records": [
      {"input": f"r{i}.hea", "json": str(tmp_path / f"r{i}-abc.json"),
       "findings": [{"lead": "V1"}] * i, "reference": None}
      for i in range(5)]}
  path = summary_lib.finish("predict", predicted, tmp_path, None,
                            print_json=True)
  assert path == tmp_path / "summary_predict.json"
  assert json.loads(path.read_text()) == predicted
  out, err = capsys.readouterr()
  assert json.loads(out) == predicted
  assert err.splitlines() == [
      f"predicted 5 records (10 signal-check findings): a .json and a .csv "
      f"per record in {tmp_path / 'predictions'}",
      "  r0.hea -> r0-abc.json", "  r1.hea -> r1-abc.json",
      "  r2.hea -> r2-abc.json", "  ... and 2 more", f"summary: {path}"]

  explained = {"records": [{"reason": "confident"}, {"reason": "confident"},
                           {"reason": "misclassified"}],
               "metric": "macro_auroc", "lead_importance": [
                   {"lead": lead, "drop": drop, "drop_rank": rank}
                   for lead, drop, rank in [("I", 0.01, 3), ("V1", 0.2, 1),
                                            ("II", 0.05, 2), ("V6", 0, 4)]]}
  assert summary_lib.lines("explain", explained, tmp_path, None) == [
      f"explained 3 inputs (2 confident, 1 misclassified) in "
      f"{tmp_path / 'explain'} (attribution arrays, plots, "
      f"lead_importance.md)",
      "most important leads (macro_auroc drop when a lead is flattened): "
      "V1 0.2, II 0.05, I 0.01"]

  for member in ("all_leads", "lead_II"):
    (tmp_path / member).mkdir()
    (tmp_path / member / "config.json").write_text("{}")
  (tmp_path / "cache").mkdir()
  studied = {"results_md": str(tmp_path / "results.md")}
  assert summary_lib.lines("study", studied, tmp_path, None) == [
      f"study directory: {tmp_path} (2 member runs)",
      f"full results: {tmp_path / 'results.md'}"]


def test_train_from_another_folder_then_eval_with_a_local_config(tmp_path):
  """`cardiojax train` by name from outside the repository prints a short
  summary, not JSON; a local ./seq2seq.py then wins, and --json prints."""
  run = tmp_path / "run"
  done = cardiojax("train", "--config=seq2seq:smoke", f"--workdir={run}",
                   cwd=tmp_path)
  assert done.returncode == 0, done.stderr[-3000:]
  assert done.stdout == ""
  assert (run / "config.json").is_file()
  evaluation = json.loads((run / "evaluation.json").read_text())
  results = json.loads((run / "results.json").read_text())["results"]
  model = results["model"]["mse"]["value"]
  naive = results["naive baseline"]["mse"]["value"]
  assert model == evaluation["splits"]["test"]["model"]["mse"]
  assert f"\ntest mse: model {model:.4g}" in done.stderr
  assert f"vs naive baseline {naive:.4g}" in done.stderr
  assert f"\nrun directory: {run}\n" in done.stderr
  assert f"\nfull results: {run / 'results.md'} " in done.stderr
  assert done.stderr.endswith(f"summary: {run / 'summary_train.json'} "
                              f"(--json prints it)\n")
  assert json.loads((run / "summary_train.json").read_text()) == evaluation

  (tmp_path / "seq2seq.py").write_text(LOCAL_SEQ2SEQ)
  done = cardiojax("eval", "--config=seq2seq:smoke", "--workdir=run", "--json",
                   cwd=tmp_path)
  assert done.returncode == 0, done.stderr[-3000:]
  assert done.stderr.startswith("--config: using ./seq2seq.py, not the "
                                "built-in config seq2seq\n")
  summary = json.loads(done.stdout)
  assert summary == json.loads((run / "summary_eval.json").read_text())
  assert summary["results_json"] == "run/results.json"  # as --workdir is
  protocol = json.loads((run / "results.json").read_text())["protocol"]
  assert "7 resamples" in protocol["confidence intervals"]  # the local file's
  assert "\n| metric | model | naive baseline |\n" in done.stderr


@pytest.mark.parametrize("args, expected", [
    (("trian",), ("cardiojax: unknown command 'trian'; expected one of train,"
                  " eval, predict, explain, study, serve, prepare",)),
    (("train",), ("--config is required", "built-in configs: ")),
    (("train", "--config=nope:smoke"), ("--config=nope:smoke: ",
                                        "built-in configs: ")),
    (("train", "--config=seq2seq:huge"), (
        "--config=seq2seq:huge: configs/seq2seq.py: unknown variant 'huge'; "
        "expected",)),
    (("train", "--config=seq2seq:smoke", "--config.train.num_stepz=3"), (
        "--config.train.num_stepz: the config has no field 'num_stepz'; Did "
        "you mean \"num_steps\"",)),
    (("train", "--config=seq2seq:smoke", "--workdr=run"), (
        "'workdr'", "Did you mean: workdir")),
    (("train", "--config=seq2seq:smoke", "--mode=eval"), (
        "--mode is the command",)),
    (("eval", "--config=seq2seq:smoke"), ("needs --workdir=DIR",)),
    (("predict", "--config=seq2seq:smoke", "--workdir=."), (
        "--workdir=.: not a run directory",)),
])
def test_user_errors_are_one_line_with_exit_status_2(tmp_path, args, expected):
  done = cardiojax(*args, cwd=tmp_path)
  assert done.returncode == 2, done.stderr[-2000:]
  assert done.stdout == ""
  lines = done.stderr.splitlines()
  assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
  for text in expected:
    assert text in lines[0]
